"""scratchnn.noise: spreads over seeds and the different / within-noise verdict."""

import math

import pytest

from scratchnn.noise import DIFFERENT, WITHIN_NOISE, compare, spread, verdict


def test_spread_statistics():
    s = spread([1.0, 2.0, 3.0])
    assert (s.n, s.mean, s.min, s.max) == (3, 2.0, 1.0, 3.0)
    assert s.std == pytest.approx(1.0)
    assert spread([5.0]).std == 0.0


@pytest.mark.parametrize("bad", [[], [1.0, math.nan], [math.inf, 1.0]])
def test_spread_refuses_empty_or_non_finite(bad):
    with pytest.raises(ValueError, match="spread"):
        spread(bad)


def test_a_clear_gap_is_different_and_a_gap_inside_the_spread_is_noise():
    assert verdict(spread([0.95, 0.951, 0.952]), spread([0.90, 0.901, 0.902])) == DIFFERENT
    # 0.01 points apart with seeds that scatter by 0.2: noise.
    assert verdict(spread([0.9115, 0.909, 0.913]), spread([0.9114, 0.912, 0.910])) == WITHIN_NOISE


def test_overlapping_seeds_are_noise_even_when_the_means_differ():
    # Means 0.5 apart, standard error small, but one seed of the worse beats one of the better.
    assert verdict(spread([10.0, 10.0, 10.0, 9.0]), spread([9.1, 9.0, 9.2, 9.1])) == WITHIN_NOISE


def test_verdict_needs_two_seeds_each():
    with pytest.raises(ValueError, match="at least 2 seeds"):
        verdict(spread([1.0]), spread([0.5, 0.6]))


def test_compare_picks_the_best_and_judges_the_others_against_it():
    result = compare({"a": [0.90, 0.91, 0.90], "b": [0.97, 0.98, 0.97], "c": [0.975, 0.97, 0.965]})
    assert result.best == "b"
    assert result.verdicts == {"a": DIFFERENT, "c": WITHIN_NOISE}
    assert result.tied_with_best == ["c"]
    assert "(best)" in result.table(scale=100)


def test_compare_lower_is_better():
    result = compare({"fast": [1.0, 1.1, 1.05], "slow": [2.0, 2.1, 2.05]}, higher_is_better=False)
    assert result.best == "fast" and result.verdicts == {"slow": DIFFERENT}


def test_compare_needs_two_settings():
    with pytest.raises(ValueError, match="two settings"):
        compare({"only": [1.0, 2.0]})
