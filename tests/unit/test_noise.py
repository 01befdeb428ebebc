"""scratchnn.noise: the test matches the design (paired seeds, same images, few seeds for spreads)."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from scratchnn.noise import (
    DIFFERENT,
    WITHIN_NOISE,
    WIDTH,
    compare,
    mcnemar,
    paired_gap,
    spread,
    spread_ratio,
    welch_gap,
)

# Lab 2's GELU and LeakyReLU test accuracies (%) over seeds 0, 1, 2: GELU is below on every seed.
LEAKY = [88.81, 87.54, 88.79]
GELU = [88.22, 87.10, 88.27]


def test_spread_statistics():
    s = spread([1.0, 2.0, 3.0])
    assert (s.n, s.mean, s.min, s.max) == (3, 2.0, 1.0, 3.0)
    assert s.std == pytest.approx(1.0)
    assert spread([5.0]).std == 0.0


@pytest.mark.parametrize("bad", [[], [1.0, math.nan], [math.inf, 1.0]])
def test_spread_refuses_empty_or_non_finite(bad):
    with pytest.raises(ValueError, match="spread"):
        spread(bad)


def test_a_consistent_small_paired_gap_is_different_where_the_unpaired_test_sees_noise():
    paired = paired_gap(LEAKY, GELU, ("leaky_relu", "gelu"))
    unpaired = welch_gap(LEAKY, GELU, ("leaky_relu", "gelu"))
    assert paired.differences == pytest.approx((0.59, 0.44, 0.52))
    assert paired.statistic == pytest.approx(11.9, abs=0.1) and paired.df == 2
    assert paired.critical_value == pytest.approx(4.303, abs=1e-3)  # t_0.975 with 2 degrees of freedom
    assert paired.verdict == DIFFERENT and paired.pvalue < 0.01
    assert unpaired.verdict == WITHIN_NOISE and unpaired.pvalue > 0.3
    # compare uses the pairing by default and shows the per-seed gaps.
    result = compare({"leaky_relu": LEAKY, "gelu": GELU})
    assert result.best == "leaky_relu" and result.verdicts == {"gelu": DIFFERENT}
    assert "+0.59 +0.44 +0.52" in result.table()
    assert compare({"leaky_relu": LEAKY, "gelu": GELU}, paired=False).verdicts == {"gelu": WITHIN_NOISE}


def test_the_paired_test_is_scipys_ttest_rel():
    gap = paired_gap([0.91, 0.93, 0.90, 0.95], [0.90, 0.925, 0.91, 0.93])
    expected = stats.ttest_rel([0.91, 0.93, 0.90, 0.95], [0.90, 0.925, 0.91, 0.93])
    assert gap.statistic == pytest.approx(expected.statistic) and gap.pvalue == pytest.approx(expected.pvalue)


def test_identical_runs_are_not_called_different():
    assert paired_gap([0.9, 0.91, 0.92], [0.9, 0.91, 0.92]).verdict == WITHIN_NOISE
    assert welch_gap([0.9, 0.9, 0.9], [0.9, 0.9, 0.9]).verdict == WITHIN_NOISE
    # A gap every seed agrees on exactly is decided without dividing by zero.
    assert paired_gap([0.91, 0.92, 0.93], [0.90, 0.91, 0.92]).verdict == DIFFERENT


def test_settings_that_differ_only_by_chance_are_called_different_about_5_percent_of_the_time():
    rng = np.random.default_rng(0)
    trials, calls = 4000, 0
    for _ in range(trials):
        seed_effect = rng.normal(0.0, 1.0, size=3)  # what each seed does to both settings
        first = 90 + seed_effect + rng.normal(0.0, 0.3, size=3)
        second = 90 + seed_effect + rng.normal(0.0, 0.3, size=3)
        calls += paired_gap(first, second).verdict == DIFFERENT
    assert 0.035 < calls / trials < 0.065, calls / trials


def test_compare_picks_the_best_and_tests_it_against_each_other():
    result = compare({"a": [0.90, 0.91, 0.90], "b": [0.97, 0.98, 0.97], "c": [0.975, 0.97, 0.965]})
    assert result.best == "b"
    assert result.verdicts == {"a": DIFFERENT, "c": WITHIN_NOISE}
    assert result.tied_with_best == ["c"]
    assert result.gaps["a"].mean == pytest.approx(0.07)
    assert result.gap("c", "a").verdict == DIFFERENT


def test_compare_lower_is_better_reports_how_much_better_the_best_is():
    result = compare({"fast": [1.0, 1.1, 1.05], "slow": [2.0, 2.1, 2.06]}, higher_is_better=False)
    assert result.best == "fast" and result.verdicts == {"slow": DIFFERENT}
    assert result.gaps["slow"].mean == pytest.approx(1.0033, abs=1e-3)
    assert all(d > 0 for d in result.gaps["slow"].differences)


def test_compare_needs_two_settings():
    with pytest.raises(ValueError, match="two settings"):
        compare({"only": [1.0, 2.0]})


def test_paired_comparison_needs_matching_seeds():
    with pytest.raises(ValueError, match="same seeds"):
        compare({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]})


@pytest.mark.parametrize("values", ["91", b"91", ["91", "92"], 91, [True, False]])
def test_compare_refuses_values_that_are_not_numbers(values):
    with pytest.raises(TypeError, match="expected .*got"):
        compare({"a": values, "b": [0.9, 0.91]})


@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_higher_is_better_must_be_a_bool(flag):
    with pytest.raises(TypeError, match="higher_is_better must be True or False"):
        compare({"a": [0.9, 0.91], "b": [0.8, 0.81]}, higher_is_better=flag)


def test_display_fits_72_columns_and_renders_an_html_table():
    long_names = {"no normalization": [0.9012, 0.8934, 0.9101], "BatchNorm (momentum 0.1)": [0.95, 0.951, 0.94],
                  "LayerNorm": [0.93, 0.92, 0.935], "RMSNorm": [0.931, 0.925, 0.93]}
    result = compare(long_names, scale=100, unit="points")
    text = result.table()
    assert max(len(line) for line in text.splitlines()) <= WIDTH, text
    assert str(result) == text
    page = result._repr_html_()
    assert page.startswith("<table") and page.count("<tr>") == 5 and "per-seed gaps" in page


def test_mcnemar_counts_the_images_whose_prediction_changed():
    # Lab 1's design: 5,000 validation images at 94.8 %; the second model fixes 52 of the first's
    # errors and breaks 12 right answers: +0.80 points.
    n = 5_000
    first = np.ones(n, dtype=bool)
    first[:260] = False
    second = first.copy()
    second[:52] = True
    second[1000:1012] = False
    gap = mcnemar(second, first, ("after", "before"))
    assert (gap.only_first, gap.only_second) == (52, 12)
    assert gap.gap == pytest.approx(0.008)
    assert gap.pvalue == pytest.approx(stats.binomtest(52, 64, 0.5).pvalue)
    assert gap.verdict == DIFFERENT and gap.pvalue < 1e-5
    # The unpaired rule "twice the standard error of a difference", 2 sqrt(2 p (1 - p) / n), calls
    # the same +0.80 points noise: it ignores that both models were scored on the same images.
    assert gap.gap < 2 * math.sqrt(2 * 0.948 * 0.052 / n)
    # Models that disagree on images but not in total are within noise; identical ones too.
    swapped = first.copy()
    swapped[:30], swapped[1000:1030] = True, False
    assert mcnemar(swapped, first).verdict == WITHIN_NOISE
    assert mcnemar(first, first).pvalue == 1.0
    assert max(len(line) for line in str(gap).splitlines()) <= WIDTH


def test_mcnemar_refuses_non_boolean_or_mismatched_input():
    with pytest.raises(TypeError, match="boolean"):
        mcnemar(np.array([1, 0, 1]), np.array([1, 1, 0]))
    with pytest.raises(ValueError, match="same images"):
        mcnemar(np.array([True, False]), np.array([True]))


def test_three_seeds_cannot_tell_spreads_apart_unless_they_differ_about_six_fold():
    # Lab 4's spreads: 1.12 and 1.44 points against 0.41 (ratio 3.5) is what chance gives.
    ratio = spread_ratio([90.0, 91.2, 92.2], [90.6, 91.0, 91.4])
    assert ratio.limit == pytest.approx(math.sqrt(stats.f.ppf(0.975, 2, 2)))
    assert ratio.limit == pytest.approx(6.24, abs=0.01)
    assert ratio.chance_of_2x == pytest.approx(0.4)  # two spreads of one process differ 2x 40% of the time
    assert ratio.detection_chance(2.0) < 0.1  # a real 2x difference is found less than 1 time in 10
    assert ratio.verdict == WITHIN_NOISE
    assert spread_ratio([1.0, 5.0, 9.0], [1.0, 1.01, 1.02]).verdict == DIFFERENT


