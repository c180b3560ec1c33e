"""Ranking methods over numpy arrays: weighted sum, TOPSIS and SMAA-2, and weight sensitivity.

Pure functions with no ORM: every input is an array of scores (measures x criteria, higher is
better) and weights; every output is arrays. SMAA-2 is vectorised over samples in chunks, never a
Python loop per sample.

References: Hwang & Yoon (1981) for TOPSIS with vector normalisation; Lahdelma & Salminen (2001),
"SMAA-2: Stochastic multicriteria acceptability analysis for group decision making", Operations
Research 49(3), for rank acceptability indices, central weight vectors and confidence factors.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

MAX_SAMPLES = 200_000
MAX_CELLS_PER_CHUNK = 12_500_000  # samples x measures handled at once (bounds memory)
#: Threads for SMAA-2's chunks (numpy releases the GIL in the heavy parts). The chunking follows
#: this constant, never the machine's core count, so a seed gives the same result everywhere.
MAX_WORKERS = 2
#: Score samples for the confidence factors (standard error at most 0.5/sqrt(n), 0.022 here).
CONFIDENCE_SAMPLES = 500


class MethodError(ValueError):
    """The inputs cannot be ranked as given; the message says why."""


def _check_scores(scores: Array) -> Array:
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise MethodError("scores must be a non-empty measures x criteria matrix")
    if not np.all(np.isfinite(x)):
        raise MethodError("scores must be finite numbers")
    return x


def _check_weights(weights: Array, n: int) -> Array:
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise MethodError(f"there must be one weight per criterion ({n})")
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise MethodError("weights must be non-negative and not all zero")
    return w / w.sum()


def ranks_from_scores(values: Array) -> NDArray[np.int64]:
    """Rank 1 for the highest value along the last axis; ties share the order of appearance."""
    order = np.argsort(-values, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, values.shape[-1] + 1), axis=-1)
    return ranks


def tied_ranks(values: Array) -> NDArray[np.int64]:
    """Ranks in which values equal to 12 significant digits tie (kept in order of appearance),
    so that floating-point noise never reorders equal scores."""
    scale = float(np.max(np.abs(values))) or 1.0
    return ranks_from_scores(np.round(values / scale, 12))


@dataclass(frozen=True)
class WeightedSum:
    scores: Array  # (m,)
    contributions: Array  # (m, n): each criterion's weighted part of the score
    ranks: NDArray[np.int64]


def weighted_sum(scores: Array, weights: Array) -> WeightedSum:
    x = _check_scores(scores)
    w = _check_weights(weights, x.shape[1])
    contributions = x * w
    total = contributions.sum(axis=1)
    return WeightedSum(total, contributions, tied_ranks(total))


@dataclass(frozen=True)
class Topsis:
    closeness: Array  # (m,) in [0, 1]
    ranks: NDArray[np.int64]


def topsis(scores: Array, weights: Array) -> Topsis:
    """TOPSIS with vector normalisation; every criterion is a benefit (higher is better)."""
    x = _check_scores(scores)
    w = _check_weights(weights, x.shape[1])
    norms = np.sqrt((x**2).sum(axis=0))
    norms[norms == 0] = 1.0
    v = x / norms * w
    best, worst = v.max(axis=0), v.min(axis=0)
    d_best = np.sqrt(((v - best) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - worst) ** 2).sum(axis=1))
    denominator = d_best + d_worst
    closeness = np.divide(d_worst, denominator, out=np.zeros_like(d_worst), where=denominator > 0)
    return Topsis(closeness, tied_ranks(closeness))


def check_bounds(lower: Array | None, upper: Array | None, n: int) -> tuple[Array, Array]:
    lo = np.zeros(n) if lower is None else np.asarray(lower, dtype=np.float64)
    hi = np.ones(n) if upper is None else np.asarray(upper, dtype=np.float64)
    if lo.shape != (n,) or hi.shape != (n,):
        raise MethodError(f"there must be one lower and one upper bound per criterion ({n})")
    if np.any(lo < 0) or np.any(hi > 1) or np.any(lo > hi):
        raise MethodError("each weight bound must satisfy 0 <= lower <= upper <= 1")
    if lo.sum() > 1 + 1e-9 or hi.sum() < 1 - 1e-9:
        raise MethodError(
            f"the weight bounds cannot sum to 1 (lower bounds sum to {lo.sum():.3f}, "
            f"upper bounds to {hi.sum():.3f})"
        )
    return lo, hi


def sample_weights(rng: np.random.Generator, count: int, lower: Array, upper: Array) -> Array:
    """``count`` weight vectors uniform on the simplex, restricted to the bounds (rejection)."""
    n = lower.shape[0]
    free = 1.0 - lower.sum()
    span = upper - lower
    out = np.empty((0, n))
    attempts = 0
    while out.shape[0] < count:
        batch = max(1024, 2 * (count - out.shape[0]))
        # Uniform on the simplex of the remaining mass, shifted by the lower bounds.
        draw = rng.dirichlet(np.ones(n), size=batch) * free + lower
        keep = draw[np.all(draw - lower <= span + 1e-12, axis=1)]
        out = np.vstack([out, keep])
        attempts += 1
        if attempts > 200 and out.shape[0] == 0:
            raise MethodError("the weight bounds leave almost no admissible weights; widen them")
    return out[:count]


@dataclass(frozen=True)
class Smaa:
    rank_acceptability: Array  # (m, m): share of samples in which measure i takes rank r+1
    central_weights: Array  # (m, n): mean weights that make measure i the best (nan if never)
    confidence: Array  # (m,): share of score samples in which i is best under its central weights
    samples: int

    def top_k(self, k: int) -> Array:
        return self.rank_acceptability[:, :k].sum(axis=1)

    @property
    def expected_rank(self) -> Array:
        m = self.rank_acceptability.shape[1]
        return self.rank_acceptability @ np.arange(1, m + 1)


def smaa2(
    low: Array,
    high: Array,
    *,
    samples: int,
    seed: int,
    lower: Array | None = None,
    upper: Array | None = None,
) -> Smaa:
    """SMAA-2: Monte Carlo over weights (uniform within bounds) and scores (uniform in [low, high])."""
    lo_x, hi_x = _check_scores(low), _check_scores(high)
    if lo_x.shape != hi_x.shape:
        raise MethodError("low and high scores must have the same shape")
    if np.any(lo_x > hi_x):
        raise MethodError("a score range has its low end above its high end")
    if not 1 <= samples <= MAX_SAMPLES:
        raise MethodError(f"samples must be from 1 to {MAX_SAMPLES:,}")
    m, n = lo_x.shape
    w_lo, w_hi = check_bounds(lower, upper, n)
    width = (hi_x - lo_x).astype(np.float32)
    base = lo_x.astype(np.float32)
    uncertain = bool(np.any(width > 0))
    # Chunks of samples, each with its own random stream spawned from the seed, so the result
    # depends on the seed alone: not on how many threads run the chunks, nor in which order.
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1))
    cap = max(1, MAX_CELLS_PER_CHUNK // max(m, 1))
    chunks = MAX_WORKERS * -(-samples // (MAX_WORKERS * cap))  # never depends on this machine
    size = -(-samples // chunks)
    bounds = [(start, min(samples, start + size)) for start in range(0, samples, size)]
    streams = np.random.SeedSequence(seed).spawn(len(bounds) + 1)
    local = threading.local()
    tallies: list[NDArray[np.int32]] = []
    winners: list[tuple[Array, NDArray[np.int64]]] = [(np.empty(0), np.empty(0, np.int64))] * len(
        bounds
    )

    def run(index: int) -> None:
        if not hasattr(local, "counts"):
            local.counts = np.zeros((m, m), dtype=np.int32)  # [rank - 1, measure]
            tallies.append(local.counts)
        rng = np.random.default_rng(streams[index])
        count = bounds[index][1] - bounds[index][0]
        w = sample_weights(rng, count, w_lo, w_hi)  # (s, n)
        w32 = w.astype(np.float32)
        if uncertain:
            x = rng.random((count, m, n), dtype=np.float32)  # scores uniform in [low, high]
            np.multiply(x, width, out=x)
            np.add(x, base, out=x)
            utility = np.matmul(x, w32[:, :, None])[..., 0]  # (s, m)
            del x
        else:
            utility = w32 @ base.T
        order = descending_order(utility)
        _accumulate_ranks(local.counts, order)
        best = order[:, 0].astype(np.intp)
        weight_sums = np.zeros((m, n))
        np.add.at(weight_sums, best, w)
        winners[index] = (weight_sums, np.bincount(best, minlength=m))

    if workers == 1 or len(bounds) == 1:
        for index in range(len(bounds)):
            run(index)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(len(bounds))))
    counts_by_rank = np.zeros((m, m), dtype=np.int64)
    for tally in tallies:
        counts_by_rank += tally
    winners_weight = np.zeros((m, n))
    winners_count = np.zeros(m, dtype=np.int64)
    for weight_sums, best_counts in winners:  # in chunk order: the float sums are reproducible
        winners_weight += weight_sums
        winners_count += best_counts
    acceptability = counts_by_rank.T / samples
    with np.errstate(invalid="ignore", divide="ignore"):
        central = winners_weight / winners_count[:, None]
    rng = np.random.default_rng(streams[-1])
    confidence = _confidence(lo_x, width, central, winners_count > 0, samples, rng)
    return Smaa(acceptability, central, confidence, samples)


def descending_order(utility: NDArray[np.float32]) -> NDArray[np.uint32]:
    """Per row, the measures from the highest utility down; equal utilities keep their order of
    appearance (as a stable sort of ``-utility`` would).

    Each utility becomes a 64-bit key: its order-preserving bit pattern, inverted (descending),
    in the high half and its column number in the low half. One plain integer sort (vectorised,
    no indirection, no stability needed) then gives the order of a stable argsort, several times
    faster. Returns a view of the keys' low halves: the column numbers, best first.
    """
    size, m = utility.shape
    bits = np.ascontiguousarray(utility, dtype=np.float32).view(np.int32)
    keys = np.empty((size, m), dtype=np.uint64)
    halves = keys.view(np.uint32).reshape(size, m, 2)  # little-endian: [low, high]
    if np.little_endian is False:  # pragma: no cover - every supported platform is little-endian
        halves = halves[..., ::-1]
    halves[..., 0] = np.arange(m, dtype=np.uint32)
    high = halves[..., 1]
    if bool((bits > 0).all()):
        np.invert(bits.view(np.uint32), out=high)  # positive floats already order as integers
    else:
        zeroed = (utility.astype(np.float32) + np.float32(0)).view(np.int32)  # -0.0 is +0.0
        flip = (zeroed >> 31).view(np.uint32) | np.uint32(0x80000000)
        np.invert(zeroed.view(np.uint32) ^ flip, out=high)
    keys.sort(axis=-1)
    return halves[..., 0]


def _accumulate_ranks(counts_by_rank: NDArray[np.int32], order: NDArray[np.uint32]) -> None:
    """Add each sample's ranking: ``counts_by_rank[r, measure]`` counts the samples in which the
    measure came at rank r + 1 (one contiguous bincount per rank)."""
    m = order.shape[1]
    by_rank = np.array(order.T, dtype=np.intp, order="C")
    for rank in range(m):
        counts_by_rank[rank] += np.bincount(by_rank[rank], minlength=m)


def _confidence(
    lo_x: Array,
    width: Array,
    central: Array,
    has_central: NDArray[np.bool_],
    samples: int,
    rng: np.random.Generator,
) -> Array:
    """Share of score samples in which a measure is best when weighted by its central weights,
    for every measure that has central weights (one shared set of score samples)."""
    m, n = lo_x.shape
    confidence = np.zeros(m)
    candidates = np.flatnonzero(has_central)
    if candidates.size == 0:
        return confidence
    samples = min(samples, CONFIDENCE_SAMPLES)
    x = rng.random((samples, m, n), dtype=np.float32)  # scores uniform in [low, high]
    x *= width.astype(np.float32)
    x += lo_x.astype(np.float32)
    weights = central[candidates]  # (k, n)
    # Under weights w only measures whose best case reaches the best worst case can win; the
    # others are beaten in every sample under every candidate's weights, so they are left out.
    floors = (lo_x @ weights.T).max(axis=0)  # (k,)
    ceilings = (lo_x + width) @ weights.T  # (m, k)
    margins = 1e-4 * np.maximum(np.abs(floors), 1.0)  # float32 rounding in the sampled utilities
    rivals = np.flatnonzero((ceilings >= floors - margins).any(axis=1))
    x = np.ascontiguousarray(x[:, rivals, :].transpose(0, 2, 1))  # (samples, n, rivals)
    w32 = weights.astype(np.float32)  # (k, n)
    chunk = max(1, 50_000_000 // max(candidates.size * rivals.size, 1))
    wins = np.zeros(candidates.size)
    for start in range(0, samples, chunk):
        # (size, k, rivals): each row contiguous, so the argmax runs along memory
        utility = np.matmul(w32, x[start : start + chunk])
        wins += (rivals[np.argmax(utility, axis=2)] == candidates).sum(axis=0)
    confidence[candidates] = wins / samples
    return confidence


@dataclass(frozen=True)
class Sensitivity:
    criterion: int
    weights: Array  # (steps,) values of that criterion's weight
    scores: Array  # (steps, m) weighted-sum scores
    ranks: NDArray[np.int64]  # (steps, m)


def sensitivity(scores: Array, weights: Array, criterion: int, steps: int = 21) -> Sensitivity:
    """One-at-a-time sweep: the criterion's weight from 0 to 1, the others keep their proportions."""
    x = _check_scores(scores)
    w = _check_weights(weights, x.shape[1])
    if not 0 <= criterion < x.shape[1]:
        raise MethodError("unknown criterion")
    if not 2 <= steps <= 201:
        raise MethodError("steps must be from 2 to 201")
    grid = np.linspace(0.0, 1.0, steps)
    others = np.delete(w, criterion)
    others = (
        others / others.sum()
        if others.sum() > 0
        else np.full(others.shape, 1 / max(others.size, 1))
    )
    matrix = np.empty((steps, x.shape[1]))
    matrix[:, criterion] = grid
    rest = np.outer(1 - grid, others)
    matrix[:, [j for j in range(x.shape[1]) if j != criterion]] = rest
    totals = matrix @ x.T
    return Sensitivity(criterion, grid, totals, ranks_from_scores(totals))
