"""Is a difference real or noise? Tests that match how the runs were made.

One training run gives one number, and a second seed (or another BLAS kernel, which sums floats in
another order) gives another. Which test tells a real gap from noise depends on the design:

- **Settings run with the same seeds are paired.** Seed *s* fixes the initial weights and the
  shuffle for every setting, so what seed *s* does to one setting it largely does to the other.
  ``compare`` (``paired=True``, the default) takes the per-seed differences and runs a paired
  t-test on them (``scipy.stats.ttest_rel``): a small gap that every seed agrees on is real even
  when each setting's own spread is larger than the gap. With unmatched runs (``paired=False``)
  it runs Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``).
- **Two models scored on the same images are paired too.** ``mcnemar`` counts the images only one
  of them gets right; under "no difference" each such image is a fair coin, so the exact binomial
  test on those counts (``scipy.stats.binomtest``) is McNemar's exact test.
- **Spreads from a few seeds say little.** ``spread_ratio`` compares two standard deviations with
  the F distribution: with 3 seeds each, two spreads of the *same* process differ by more than 2x
  about 40% of the time, and only a ratio beyond about 6.2x is evidence at the 5% level.

"different" means a two-sided p-value below ``alpha`` (0.05). It is a statement about these runs:
with 3 seeds a paired test has 2 degrees of freedom (t critical value 4.30), so only gaps that are
large against the seed-to-seed scatter of the differences are found. "within noise" never means
"equal". ``compare`` tests the best setting against each other one; with many settings, one of
several p-values falls below 0.05 by chance more often than 5% of the time.
"""

from __future__ import annotations

import html
import math
import numbers
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

DIFFERENT = "different"
WITHIN_NOISE = "within noise"
ALPHA = 0.05
WIDTH = 72  # plain-text output fits a notebook cell without re-wrapping


def _values(name: str, values) -> tuple[float, ...]:
    """The numbers of one setting, refusing what is not a sequence of real numbers."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(
            f"{name}: expected a sequence of numbers (one per seed), got {type(values).__name__} {values!r}"
        )
    bad = [v for v in values if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)]
    if bad:
        raise TypeError(f"{name}: expected real numbers, got {type(bad[0]).__name__} {bad[0]!r}")
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError(f"{name}: expected at least one value, got none")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{name}: expected finite values, got {values}")
    return values


@dataclass(frozen=True)
class Spread:
    """One setting's results over seeds: the values, their mean, sample std, min and max."""

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / self.n

    @property
    def std(self) -> float:
        """Sample standard deviation (n - 1 in the denominator); 0.0 for a single value."""
        if self.n < 2:
            return 0.0
        mean = self.mean
        return math.sqrt(math.fsum((v - mean) ** 2 for v in self.values) / (self.n - 1))

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)


def spread(values: Sequence[float], name: str = "spread") -> Spread:
    """The ``Spread`` of one setting's per-seed results; raises on an empty or non-numeric list."""
    return Spread(_values(name, values))


class _Verdict:
    """A test's p-value against ``alpha``, in words."""

    pvalue: float
    alpha: float

    @property
    def verdict(self) -> str:
        return DIFFERENT if self.pvalue < self.alpha else WITHIN_NOISE


@dataclass(frozen=True)
class Gap(_Verdict):
    """``first`` against ``second``: the mean gap (first - second), its test, p-value and verdict.

    ``differences`` holds the per-seed differences of a paired test (empty for Welch's test);
    ``spread`` is their standard deviation (paired) or the standard error of the gap (Welch).
    """

    first: str
    second: str
    mean: float
    spread: float
    differences: tuple[float, ...]
    test: str
    statistic: float
    df: float
    pvalue: float
    alpha: float = ALPHA

    @property
    def critical_value(self) -> float:
        """The |t| a gap needs to be called different at ``alpha`` (4.30 for 2 degrees of freedom)."""
        return float(stats.t.ppf(1 - self.alpha / 2, self.df))

    def sentence(self, scale: float = 1.0, digits: int = 2, unit: str = "") -> str:
        """One plain line: the gap, the per-seed differences, the test and its verdict."""
        unit = f" {unit}" if unit else ""
        gap = f"{self.first} - {self.second}: {self.mean * scale:+.{digits}f}{unit}"
        if self.differences:
            per_seed = " ".join(f"{d * scale:+.{digits}f}" for d in self.differences)
            gap += f" (per seed {per_seed})"
        else:
            gap += f" (standard error {self.spread * scale:.{digits}f})"
        return f"{gap}; {self.test} t = {_t(self.statistic)}, df = {self.df:.3g}, p {_p(self.pvalue)}: {self.verdict}"


def _t(statistic: float) -> str:
    return "inf" if math.isinf(statistic) else f"{statistic:.2f}"


def _p(pvalue: float) -> str:
    """``"= 0.0071"`` or ``"< 0.001"``: the p-value with its relation sign."""
    return f"= {pvalue:.2g}" if pvalue >= 0.001 else "< 0.001"


def paired_gap(first: Sequence[float], second: Sequence[float], names: tuple[str, str] = ("first", "second"),
               alpha: float = ALPHA) -> Gap:
    """Paired t-test (``scipy.stats.ttest_rel``) of two settings run with the same seeds, in order."""
    a, b = _values(names[0], first), _values(names[1], second)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(
            f"paired_gap: expected the same seeds (at least 2) for {names[0]} and {names[1]}, "
            f"got {len(a)} and {len(b)} values"
        )
    differences = tuple(x - y for x, y in zip(a, b))
    d = spread(differences)
    if d.std == 0.0:  # every seed gives the same difference: t is 0/0 or infinite, decide it exactly
        statistic, pvalue = (0.0, 1.0) if d.mean == 0.0 else (math.copysign(math.inf, d.mean), 0.0)
    else:
        with warnings.catch_warnings():  # nearly constant differences: scipy warns, the t is still right
            warnings.simplefilter("ignore", RuntimeWarning)
            result = stats.ttest_rel(a, b)
        statistic, pvalue = float(result.statistic), float(result.pvalue)
    return Gap(names[0], names[1], d.mean, d.std, differences, "paired", statistic, len(a) - 1, pvalue, alpha)


def welch_gap(first: Sequence[float], second: Sequence[float], names: tuple[str, str] = ("first", "second"),
              alpha: float = ALPHA) -> Gap:
    """Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``) of two settings run independently."""
    a, b = spread(first, names[0]), spread(second, names[1])
    if a.n < 2 or b.n < 2:
        raise ValueError(f"welch_gap: needs at least 2 seeds per setting, got {a.n} and {b.n}")
    standard_error = math.sqrt(a.std**2 / a.n + b.std**2 / b.n)
    gap = a.mean - b.mean
    if standard_error == 0.0:  # no scatter at all: decide exactly, as paired_gap does
        statistic, pvalue = (0.0, 1.0) if gap == 0.0 else (math.copysign(math.inf, gap), 0.0)
        df = float(a.n + b.n - 2)
    else:
        result = stats.ttest_ind(a.values, b.values, equal_var=False)
        statistic, pvalue, df = float(result.statistic), float(result.pvalue), float(result.df)
    return Gap(names[0], names[1], gap, standard_error, (), "Welch", statistic, df, pvalue, alpha)


@dataclass(frozen=True)
class Comparison:
    """Every setting's ``Spread``, the best setting, and the ``Gap`` of the best to each other one.

    Shown as an HTML table in a page or notebook, and as plain text no wider than 72 columns.
    """

    spreads: dict[str, Spread]
    best: str
    gaps: dict[str, Gap]  # other setting -> its test against the best; a positive gap favours the best
    higher_is_better: bool
    paired: bool
    scale: float = 1.0
    digits: int = 2
    unit: str = ""

    @property
    def verdicts(self) -> dict[str, str]:
        """Other setting -> ``"different"`` or ``"within noise"`` (against the best)."""
        return {name: gap.verdict for name, gap in self.gaps.items()}

    @property
    def tied_with_best(self) -> list[str]:
        """The settings the best one does not beat beyond noise (empty: the best is clearly best)."""
        return [name for name, word in self.verdicts.items() if word == WITHIN_NOISE]

    def _ordered(self) -> list[str]:
        return sorted(self.spreads, key=lambda name: self.spreads[name].mean, reverse=self.higher_is_better)

    def _design(self) -> str:
        alpha = next(iter(self.gaps.values())).alpha
        test = (f"{self.spreads[self.best].n} matched seeds, paired t-test on per-seed gaps" if self.paired
                else "unmatched runs, Welch's t-test")
        return f"{test}: 'different' if p < {alpha:g}"

    def table(self, scale: float | None = None, digits: int | None = None) -> str:
        """Plain text, at most 72 columns: each setting's spread, then the best against each other."""
        scale = self.scale if scale is None else scale
        digits = self.digits if digits is None else digits
        width = max(7, max(len(name) for name in self.spreads))
        f = lambda v: f"{v * scale:.{digits}f}"  # noqa: E731
        lines = [f"{'setting':<{width}}  {'mean':>8}  {'std':>7}  {'min':>8}  {'max':>8}"]
        for name in self._ordered():
            s = self.spreads[name]
            mark = "  best" if name == self.best else ""
            lines.append(f"{name:<{width}}  {f(s.mean):>8}  {f(s.std):>7}  {f(s.min):>8}  {f(s.max):>8}{mark}")
        lines = [line[:WIDTH] for line in lines]
        lines.append(textwrap.fill(self._design(), WIDTH))
        for name in self._ordered():
            if name != self.best:
                lines.append(textwrap.fill(self.gaps[name].sentence(scale, digits, self.unit), WIDTH,
                                           subsequent_indent="    "))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.table())

    def _repr_html_(self) -> str:
        f = lambda v: f"{v * self.scale:.{self.digits}f}"  # noqa: E731
        signed = lambda v: f"{v * self.scale:+.{self.digits}f}"  # noqa: E731
        head = ["setting", "mean", "std", "min", "max", "gap to best",
                "per-seed gaps" if self.paired else "standard error", "p", "verdict"]
        rows = []
        for name in self._ordered():
            s = self.spreads[name]
            if name == self.best:
                rest = ["", "", "", "best"]
            else:
                g = self.gaps[name]
                detail = " ".join(signed(d) for d in g.differences) if self.paired else f(g.spread)
                rest = [signed(g.mean), detail, _p(g.pvalue).removeprefix("= "), g.verdict]
            cells = [name, f(s.mean), f(s.std), f(s.min), f(s.max), *rest]
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        header = "<tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head) + "</tr>"
        caption = html.escape(self._design() + (f"; gaps in {self.unit}" if self.unit else ""))
        return (f'<table class="table noise-comparison"><caption>{caption}</caption>'
                f"<thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>")

    def gap(self, first: str, second: str) -> Gap:
        """The test of ``first`` against ``second`` (any two settings), with this comparison's design."""
        test = paired_gap if self.paired else welch_gap
        alpha = next(iter(self.gaps.values())).alpha
        return test(self.spreads[first].values, self.spreads[second].values, (first, second), alpha)


def compare(results: Mapping[str, Sequence[float]], *, higher_is_better: bool = True, paired: bool = True,
            alpha: float = ALPHA, scale: float = 1.0, digits: int = 2, unit: str = "") -> Comparison:
    """Compare settings from their per-seed results: ``{"relu": [0.91, 0.92, 0.91], ...}``.

    ``paired=True`` (the default): the i-th value of every setting comes from the same seed, so the
    best is tested against each other setting with a paired t-test on the per-seed differences.
    ``paired=False``: the runs share nothing, Welch's t-test. ``scale``, ``digits`` and ``unit``
    only change how the result is shown (``scale=100, unit="points"`` for accuracies).
    """
    if not isinstance(results, Mapping):
        raise TypeError(f"compare: expected a mapping of setting -> per-seed values, got {type(results).__name__}")
    if not isinstance(higher_is_better, (bool, np.bool_)):
        raise TypeError(f"compare: higher_is_better must be True or False, got {type(higher_is_better).__name__} "
                        f"{higher_is_better!r}")
    if not isinstance(paired, (bool, np.bool_)):
        raise TypeError(f"compare: paired must be True or False, got {type(paired).__name__} {paired!r}")
    if len(results) < 2:
        raise ValueError(f"compare: expected at least two settings, got {len(results)}")
    spreads = {name: spread(values, f"compare: {name!r}") for name, values in results.items()}
    pick = max if higher_is_better else min
    best = pick(spreads, key=lambda name: spreads[name].mean)
    test = paired_gap if paired else welch_gap
    gaps = {}
    for name, s in spreads.items():
        if name != best:
            pair = (spreads[best].values, s.values) if higher_is_better else (s.values, spreads[best].values)
            # Ordered so that a positive gap always reads "how much better the best is".
            gaps[name] = test(*pair, names=(best, name) if higher_is_better else (name, best), alpha=alpha)
    return Comparison(spreads, best, gaps, bool(higher_is_better), bool(paired), scale, digits, unit)


@dataclass(frozen=True)
class ImageGap(_Verdict):
    """Two models scored on the same images: McNemar's exact test on the images only one gets right."""

    first: str
    second: str
    n: int
    only_first: int  # images the first model gets right and the second wrong
    only_second: int
    accuracy_first: float
    accuracy_second: float
    pvalue: float
    alpha: float = ALPHA

    @property
    def gap(self) -> float:
        """Accuracy of the first minus the second (a fraction; x100 for points)."""
        return self.accuracy_first - self.accuracy_second

    def __str__(self) -> str:
        return textwrap.fill(
            f"{self.first} {self.accuracy_first:.2%} vs {self.second} {self.accuracy_second:.2%} on the same "
            f"{self.n} images: {self.gap * 100:+.2f} points; {_images(self.only_first)} only {self.first} gets "
            f"right, {self.only_second} only {self.second}; McNemar's exact test p {_p(self.pvalue)}: "
            f"{self.verdict}", WIDTH)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def _images(count: int) -> str:
    return "1 image" if count == 1 else f"{count} images"


def mcnemar(correct_first, correct_second, names: tuple[str, str] = ("first", "second"),
            alpha: float = ALPHA) -> ImageGap:
    """Two models' right/wrong on the same images (boolean arrays, or predictions == labels).

    Images both get right or both get wrong say nothing about which is better; of the others, under
    "no difference" each is equally likely to favour either model, so the count favouring the first
    is Binomial(discordant, 1/2): ``scipy.stats.binomtest`` gives the exact two-sided p-value.
    """
    a, b = np.asarray(correct_first), np.asarray(correct_second)
    if a.dtype != bool or b.dtype != bool:
        raise TypeError(f"mcnemar: expected boolean arrays (prediction == label), got {a.dtype} and {b.dtype}")
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"mcnemar: expected two 1-D arrays over the same images, got shapes {a.shape} and {b.shape}")
    only_first, only_second = int(np.sum(a & ~b)), int(np.sum(~a & b))
    discordant = only_first + only_second
    pvalue = 1.0 if discordant == 0 else float(stats.binomtest(only_first, discordant, 0.5).pvalue)
    return ImageGap(names[0], names[1], int(a.size), only_first, only_second,
                    float(a.mean()), float(b.mean()), pvalue, alpha)


@dataclass(frozen=True)
class SpreadRatio:
    """Two settings' standard deviations over seeds, against what chance alone produces."""

    ratio: float  # larger std / smaller std
    limit: float  # the ratio chance exceeds with probability alpha (two-sided), same process
    chance_of_2x: float  # how often two spreads of the same process differ by more than 2x
    n: tuple[int, int]
    alpha: float = ALPHA

    @property
    def verdict(self) -> str:
        return DIFFERENT if self.ratio > self.limit else WITHIN_NOISE

    def detection_chance(self, true_ratio: float) -> float:
        """How often a true ratio of standard deviations would show beyond ``limit`` with these seeds."""
        return float(stats.f.sf(self.limit**2 / true_ratio**2, self.n[0] - 1, self.n[1] - 1))


def spread_ratio(first: Sequence[float], second: Sequence[float], alpha: float = ALPHA) -> SpreadRatio:
    """Compare two spreads with the F distribution: (s_a / s_b)^2 ~ F(n_a - 1, n_b - 1) if equal.

    With 3 seeds each the two-sided 5% limit is sqrt(F_0.975(2, 2)) ~ 6.2: a smaller ratio is what
    the same process produces by chance, and even a true 2x ratio passes the limit only ~9% of the time.
    """
    a, b = spread(first, "spread_ratio: first"), spread(second, "spread_ratio: second")
    if a.n < 2 or b.n < 2:
        raise ValueError(f"spread_ratio: needs at least 2 seeds per setting, got {a.n} and {b.n}")
    large, small = (a, b) if a.std >= b.std else (b, a)
    ratio = math.inf if small.std == 0.0 else large.std / small.std
    df = (large.n - 1, small.n - 1)
    limit = math.sqrt(float(stats.f.ppf(1 - alpha / 2, *df)))
    chance_of_2x = float(stats.f.sf(4.0, *df) + stats.f.cdf(0.25, *df))
    return SpreadRatio(ratio, limit, chance_of_2x, (large.n, small.n), alpha)
