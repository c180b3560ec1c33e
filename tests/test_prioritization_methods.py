"""The ranking methods on their own: weighted sum, TOPSIS (against pymcdm), SMAA-2, sensitivity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pymcdm.methods import TOPSIS
from pymcdm.normalizations import vector_normalization

from seccoop.prioritization.methods import (
    MethodError,
    check_bounds,
    sample_weights,
    sensitivity,
    smaa2,
    topsis,
    weighted_sum,
)

scores_1_to_5 = st.integers(2, 12).flatmap(
    lambda m: arrays(np.float64, (m, 3), elements=st.floats(1, 5, allow_nan=False))
)
weights_3 = arrays(np.float64, (3,), elements=st.floats(0.05, 1, allow_nan=False))


def test_weighted_sum_equals_a_hand_computation() -> None:
    scores = np.array([[5, 3, 1], [2, 4, 4], [3, 3, 3]], dtype=float)
    result = weighted_sum(scores, np.array([0.5, 0.3, 0.2]))
    # 5*.5 + 3*.3 + 1*.2 = 3.6; 2*.5 + 4*.3 + 4*.2 = 3.0; 3*.5 + 3*.3 + 3*.2 = 3.0
    assert np.allclose(result.scores, [3.6, 3.0, 3.0])
    assert np.allclose(result.contributions[0], [2.5, 0.9, 0.2])
    assert result.ranks.tolist() == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(scores=scores_1_to_5, weights=weights_3)
def test_topsis_equals_pymcdm(scores: np.ndarray, weights: np.ndarray) -> None:
    ours = topsis(scores, weights).closeness
    reference = TOPSIS(normalization_function=vector_normalization)(
        scores, weights / weights.sum(), np.ones(3)
    )
    # When every measure is identical TOPSIS divides 0 by 0: pymcdm answers nan, we answer 0 (a tie).
    defined = np.isfinite(reference)
    assert np.all(np.isfinite(ours))
    assert np.allclose(ours[defined], reference[defined], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(scores=scores_1_to_5, weights=weights_3, factor=st.floats(0.1, 50))
def test_scaling_every_score_leaves_the_ranking_unchanged(
    scores: np.ndarray, weights: np.ndarray, factor: float
) -> None:
    assert (
        weighted_sum(scores * factor, weights).ranks.tolist()
        == weighted_sum(scores, weights).ranks.tolist()
    )
    assert np.allclose(
        topsis(scores * factor, weights).closeness, topsis(scores, weights).closeness
    )


@settings(max_examples=25, deadline=None)
@given(scores=scores_1_to_5, seed=st.integers(0, 2**32 - 1))
def test_smaa_acceptability_rows_and_columns_sum_to_one(scores: np.ndarray, seed: int) -> None:
    high = np.minimum(scores + 1, 5)
    result = smaa2(scores, high, samples=300, seed=seed)
    assert np.allclose(result.rank_acceptability.sum(axis=0), 1)
    assert np.allclose(result.rank_acceptability.sum(axis=1), 1)
    assert np.all((result.confidence >= 0) & (result.confidence <= 1))


def test_smaa_with_fixed_weights_and_point_scores_collapses_to_the_weighted_sum() -> None:
    rng = np.random.default_rng(7)
    scores = rng.uniform(1, 5, (10, 3))
    weights = np.array([0.5, 0.3, 0.2])
    result = smaa2(scores, scores, samples=200, seed=1, lower=weights, upper=weights)
    expected = weighted_sum(scores, weights).ranks
    assert np.allclose(result.rank_acceptability.max(axis=1), 1)
    assert (np.argmax(result.rank_acceptability, axis=1) + 1).tolist() == expected.tolist()
    winner = int(np.argmin(expected))
    assert np.allclose(result.central_weights[winner], weights)
    assert result.confidence[winner] == 1


def test_a_dominated_measure_never_outranks_its_dominator() -> None:
    rng = np.random.default_rng(3)
    scores = rng.uniform(1, 4, (6, 3))
    scores[5] = scores[0] - 0.5  # measure 5 is worse than measure 0 on every criterion
    result = smaa2(scores, scores, samples=2000, seed=11)
    first_of_0 = result.rank_acceptability[0]
    first_of_5 = result.rank_acceptability[5]
    # In no sample does 5 beat 0, so 5's rank is always strictly worse: compare the cumulative shares.
    assert np.all(np.cumsum(first_of_5) <= np.cumsum(first_of_0) + 1e-12)
    assert result.rank_acceptability[5, 0] == 0


def test_same_seed_same_result_and_weights_respect_bounds() -> None:
    low = np.array([[1, 2, 3], [2, 2, 2], [3, 1, 2]], dtype=float)
    high = low + 1
    bounds = (np.array([0.2, 0.1, 0.1]), np.array([0.6, 0.5, 0.4]))
    a = smaa2(low, high, samples=500, seed=42, lower=bounds[0], upper=bounds[1])
    b = smaa2(low, high, samples=500, seed=42, lower=bounds[0], upper=bounds[1])
    assert np.array_equal(a.rank_acceptability, b.rank_acceptability)
    w = sample_weights(np.random.default_rng(1), 2000, *bounds)
    assert np.allclose(w.sum(axis=1), 1)
    assert np.all(w >= bounds[0] - 1e-12) and np.all(w <= bounds[1] + 1e-12)
    assert a.top_k(3).tolist() == pytest.approx([1, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lower": np.array([0.5, 0.4, 0.3])}, "cannot sum to 1"),
        ({"upper": np.array([0.2, 0.2, 0.2])}, "cannot sum to 1"),
        ({"lower": np.array([0.5, 0, 0]), "upper": np.array([0.4, 1, 1])}, "lower <= upper"),
        ({"samples": 0}, "samples must be from 1"),
        ({"samples": 10**9}, "samples must be from 1"),
    ],
)
def test_bad_parameters_are_clear_errors(kwargs: dict[str, Any], message: str) -> None:
    low = np.ones((3, 3))
    call = {"samples": 10, "seed": 1, **kwargs}
    with pytest.raises(MethodError, match=message):
        smaa2(low, low + 1, **call)


def test_a_range_with_low_above_high_is_refused() -> None:
    with pytest.raises(MethodError, match="low end above its high end"):
        smaa2(np.full((2, 3), 4.0), np.full((2, 3), 3.0), samples=10, seed=1)


def test_bounds_check_and_sensitivity_sweep() -> None:
    lo, hi = check_bounds(None, None, 3)
    assert lo.tolist() == [0, 0, 0] and hi.tolist() == [1, 1, 1]
    scores = np.array([[5, 1, 1], [1, 5, 1], [1, 1, 5]], dtype=float)
    sweep = sensitivity(scores, np.array([1, 1, 1]), criterion=0, steps=11)
    assert sweep.weights[0] == 0 and sweep.weights[-1] == 1
    assert sweep.ranks[-1].tolist()[0] == 1  # all weight on criterion 0: measure 0 first
    assert sweep.ranks[0].tolist()[0] == 3


def test_descending_order_equals_a_stable_argsort_with_ties_and_signs() -> None:
    """The integer-key sort gives exactly the order of a stable argsort of -utility."""
    from seccoop.prioritization.methods import descending_order

    rng = np.random.default_rng(11)
    for values in (
        rng.uniform(1, 5, (40, 300)),
        np.round(rng.uniform(-3, 3, (40, 300)), 1),  # many ties, negatives and zeros
        np.where(rng.random((40, 300)) < 0.1, -0.0, rng.uniform(0, 1, (40, 300))),
    ):
        utility = values.astype(np.float32)
        expected = np.argsort(-utility, axis=-1, kind="stable")
        assert np.array_equal(descending_order(utility), expected)


def test_smaa_gives_the_same_result_whatever_the_number_of_threads(monkeypatch: Any) -> None:
    from seccoop.prioritization import methods

    rng = np.random.default_rng(5)
    low = rng.uniform(1, 4, (60, 3))
    high = np.minimum(low + rng.uniform(0, 1, (60, 3)), 5)
    monkeypatch.setattr(methods.os, "cpu_count", lambda: 1)
    one = methods.smaa2(low, high, samples=3000, seed=9)
    monkeypatch.setattr(methods.os, "cpu_count", lambda: 8)
    many = methods.smaa2(low, high, samples=3000, seed=9)
    assert np.array_equal(one.rank_acceptability, many.rank_acceptability)
    assert np.array_equal(one.central_weights, many.central_weights, equal_nan=True)
    assert np.array_equal(one.confidence, many.confidence)
