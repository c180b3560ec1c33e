"""SMAA-2 over 5,000 measures x 10,000 samples: seconds and peak memory.

Figure: seconds of ``prioritization.methods.smaa2`` on 5,000 measures x 3 criteria (score ranges)
and 10,000 samples, and the process's peak memory.
Reference: pymcdm's TOPSIS called once per sample on the same inputs (one weight vector and one
score draw per sample), as a per-sample loop would rank them, in the same run.
Goals (decision 0011): under 5 s, and at least 30 times faster than the reference.

The reference is far too slow to run all 10,000 samples, so a subset is timed and extrapolated
linearly; the printout says so. The figure is the method alone: a saved run read back through its
ranking page and the API is not part of it yet.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from common import limit_goal, ratio_goal, record_goals, say
from seccoop.prioritization.methods import sample_weights, smaa2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measures", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--reference-samples", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(2010)
    low = rng.uniform(1, 4, (args.measures, 3))
    high = np.minimum(low + rng.uniform(0, 1.5, (args.measures, 3)), 5)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = smaa2(low, high, samples=args.samples, seed=1)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert np.allclose(result.rank_acceptability.sum(axis=1), 1)

    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization

    topsis = TOPSIS(normalization_function=vector_normalization)
    weights = sample_weights(rng, args.reference_samples, np.zeros(3), np.ones(3))
    types = np.ones(3)
    started = time.perf_counter()
    for i in range(args.reference_samples):
        draw = low + (high - low) * rng.random(low.shape)
        preferences = topsis(draw, weights[i], types)
        np.argsort(-preferences)
    per_sample = (time.perf_counter() - started) / args.reference_samples
    reference = per_sample * args.samples

    say(f"bench_smaa: {args.measures:,} measures x 3 criteria, {args.samples:,} samples")
    say(
        f"seccoop SMAA-2 (vectorised):  {seconds:8.1f} s, peak memory (max RSS) {peak / 1024:,.0f} MiB "
        f"(+{(peak - rss_before) / 1024:,.0f} MiB during the run)"
    )
    say(
        f"pymcdm TOPSIS per sample:     {reference:8.1f} s (timed on {args.reference_samples} samples, "
        f"{per_sample * 1000:.1f} ms each, extrapolated linearly to {args.samples:,})"
    )
    say(f"ratio reference / seccoop:    {reference / seconds:8.1f}x")
    shape = f"{args.measures:,} x {args.samples:,}"
    record_goals(
        "bench_smaa",
        [
            limit_goal(f"SMAA-2 {shape}, seconds", seconds, below=5, reference=reference),
            ratio_goal(
                f"SMAA-2 {shape} against TOPSIS per sample, seconds",
                seconds,
                reference,
                at_most=1 / 30,
                goal="≤ 1/30 of the reference (30 times faster)",
            ),
        ],
    )


if __name__ == "__main__":
    main()
