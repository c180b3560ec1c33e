"""Ranking methods over numpy arrays: weighted sum, TOPSIS and SMAA-2, and weight sensitivity.

Pure functions with no ORM: every input is an array of scores (measures x criteria, higher is
better) and weights; every output is arrays. SMAA-2 is vectorised over samples in chunks, never a
Python loop per sample.

References: Hwang & Yoon (1981) for TOPSIS with vector normalisation; Lahdelma & Salminen (2001),
"SMAA-2: Stochastic multicriteria acceptability analysis for group decision making", Operations
Research 49(3), for rank acceptability indices, central weight vectors and confidence factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

MAX_SAMPLES = 200_000
MAX_CELLS_PER_CHUNK = 10_000_000  # samples x measures handled at once (bounds memory)
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
    rng = np.random.default_rng(seed)
    width = (hi_x - lo_x).astype(np.float32)
    base = lo_x.astype(np.float32)
    uncertain = bool(np.any(width > 0))
    counts_by_rank = np.zeros((m, m), dtype=np.int64)  # [rank - 1, measure]
    winners_weight = np.zeros((m, n))
    winners_count = np.zeros(m, dtype=np.int64)
    chunk = max(1, min(samples, MAX_CELLS_PER_CHUNK // max(m, 1)))
    buffer = np.empty((chunk, m, n), dtype=np.float32) if uncertain else None
    done = 0
    while done < samples:
        size = min(chunk, samples - done)
        w = sample_weights(rng, size, w_lo, w_hi)  # (s, n)
        w32 = w.astype(np.float32)
        if buffer is not None:
            x = buffer[:size]
            rng.random(out=x, dtype=np.float32)  # scores uniform in [low, high]
            np.multiply(x, width, out=x)
            np.add(x, base, out=x)
            utility = np.matmul(x, w32[:, :, None])[..., 0]  # (s, m)
        else:
            utility = w32 @ base.T
        order = descending_order(utility)
        _accumulate_ranks(counts_by_rank, order)
        best = order[:, 0]
        np.add.at(winners_weight, best, w)
        winners_count += np.bincount(best, minlength=m)
        done += size
    acceptability = counts_by_rank.T / samples
    with np.errstate(invalid="ignore", divide="ignore"):
        central = winners_weight / winners_count[:, None]
    confidence = _confidence(lo_x, width, central, winners_count > 0, samples, rng)
    return Smaa(acceptability, central, confidence, samples)


def descending_order(utility: NDArray[np.float32]) -> NDArray[np.int64]:
    """Per row, the measures from the highest utility down; equal utilities keep their order of
    appearance (as a stable sort of ``-utility`` would).

    Each utility becomes a 64-bit key, its order-preserving bit pattern (descending) above its
    column number, so one plain integer sort (vectorised; no indirection, no stability needed)
    gives the same order as a stable argsort, several times faster.
    """
    m = utility.shape[-1]
    u = np.ascontiguousarray(utility, dtype=np.float32) + np.float32(0)  # -0.0 becomes +0.0
    bits = u.view(np.int32)
    flip = (bits >> 31).view(np.uint32) | np.uint32(0x80000000)  # negatives: all bits; else sign
    keys = (~(bits.view(np.uint32) ^ flip)).astype(np.uint64)
    keys <<= np.uint64(32)
    keys |= np.arange(m, dtype=np.uint64)
    keys.sort(axis=-1)
    return (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)


def _accumulate_ranks(counts_by_rank: NDArray[np.int64], order: NDArray[np.int64]) -> None:
    """Add each sample's ranking: ``counts_by_rank[r, measure]`` counts the samples in which the
    measure came at rank r + 1 (one contiguous bincount per rank)."""
    m = order.shape[1]
    by_rank = np.ascontiguousarray(order.T)
    for rank in range(m):
        counts_by_rank[rank] += np.bincount(by_rank[rank], minlength=m)


def undominated(low: Array, high: Array, block: int = 256) -> NDArray[np.bool_]:
    """Measures that can be best for some weights and scores: not beaten by another measure's low
    scores on every criterion by their own high scores (such a measure is always worse)."""
    m = low.shape[0]
    keep = np.ones(m, dtype=bool)
    for start in range(0, m, block):
        part = high[start : start + block]
        beaten = np.any(np.all(low[None, :, :] > part[:, None, :], axis=2), axis=1)
        keep[start : start + block] = ~beaten
    return keep


def _confidence(
    lo_x: Array,
    width: Array,
    central: Array,
    has_central: NDArray[np.bool_],
    samples: int,
    rng: np.random.Generator,
) -> Array:
    """Share of score samples in which a measure is best when weighted by its central weights,
    for every measure that has central weights (all of them in one batched product per chunk)."""
    m, n = lo_x.shape
    confidence = np.zeros(m)
    candidates = np.flatnonzero(has_central)
    if candidates.size == 0:
        return confidence
    samples = min(samples, CONFIDENCE_SAMPLES)
    weights = central[candidates].T.astype(np.float32)  # (n, k)
    base, span = lo_x.astype(np.float32), width.astype(np.float32)
    # Only measures that can ever be best compete (a candidate always can): same winners, less work.
    rivals = np.flatnonzero(undominated(lo_x, lo_x + width))
    chunk = max(1, min(samples, 50_000_000 // max(m * candidates.size, 1)))
    wins = np.zeros(candidates.size)
    done = 0
    while done < samples:
        size = min(chunk, samples - done)
        x = (rng.random((size, m, n), dtype=np.float32) * span + base)[:, rivals, :]
        r = rivals.size
        utility = (x.reshape(size * r, n) @ weights).reshape(size, r, candidates.size)
        wins += (rivals[np.argmax(utility, axis=1)] == candidates).sum(axis=0)
        done += size
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
