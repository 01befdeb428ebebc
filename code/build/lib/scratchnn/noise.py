"""Is a difference real or noise? Summaries of a result over several seeds, and a verdict.

One training run gives one number, and a second seed (or another BLAS kernel, which sums floats in
another order) gives another. A ranking drawn from one run of each setting can be noise. ``compare``
takes every setting's results over several seeds and says, for the best setting against each other
one, whether the gap is ``"different"`` or ``"within noise"``.

The rule: two settings differ when their means are further apart than twice the standard error of
the difference, ``|mean_a - mean_b| > 2 * sqrt(s_a^2 / n_a + s_b^2 / n_b)`` (``s`` the sample
standard deviation over seeds, Welch's form), **and** every seed of the better one beats every seed
of the other. With three seeds the second condition alone would still be met by chance one time in
ten; together they keep a book from announcing a winner that a reader's rerun would not reproduce.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DIFFERENT = "different"
WITHIN_NOISE = "within noise"


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


def spread(values: Sequence[float]) -> Spread:
    """The ``Spread`` of one setting's per-seed results; raises on an empty or non-finite list."""
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError("spread: expected at least one value, got none")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"spread: expected finite values, got {values}")
    return Spread(values)


def verdict(better: Spread, worse: Spread) -> str:
    """``"different"`` if ``better`` beats ``worse`` beyond noise (see the module docstring), else ``"within noise"``."""
    if better.n < 2 or worse.n < 2:
        raise ValueError(
            f"verdict: needs at least 2 seeds per setting to tell noise apart, got {better.n} and {worse.n}"
        )
    gap = abs(better.mean - worse.mean)
    standard_error = math.sqrt(better.std**2 / better.n + worse.std**2 / worse.n)
    higher = better.mean >= worse.mean
    separated = better.min > worse.max if higher else better.max < worse.min
    return DIFFERENT if gap > 2 * standard_error and separated else WITHIN_NOISE


@dataclass(frozen=True)
class Comparison:
    """Every setting's ``Spread``, the best setting, and the verdict of the best against each other."""

    spreads: dict[str, Spread]
    best: str
    verdicts: dict[str, str]  # other setting -> DIFFERENT or WITHIN_NOISE (against the best)
    higher_is_better: bool

    @property
    def tied_with_best(self) -> list[str]:
        """The settings the best one does not beat beyond noise (empty: the best is clearly best)."""
        return [name for name, word in self.verdicts.items() if word == WITHIN_NOISE]

    def table(self, scale: float = 1.0, digits: int = 2) -> str:
        """A plain-text table: setting, mean, std, min-max and the verdict against the best."""
        width = max(len(name) for name in self.spreads)
        lines = [f"{'setting':<{width}}  {'mean':>8}  {'std':>7}  {'min - max':>17}  vs best"]
        for name, s in sorted(self.spreads.items(), key=lambda item: item[1].mean, reverse=self.higher_is_better):
            word = "(best)" if name == self.best else self.verdicts[name]
            lines.append(
                f"{name:<{width}}  {s.mean * scale:>8.{digits}f}  {s.std * scale:>7.{digits}f}  "
                f"{s.min * scale:>8.{digits}f}-{s.max * scale:<8.{digits}f}  {word}"
            )
        return "\n".join(lines)


def compare(results: Mapping[str, Sequence[float]], *, higher_is_better: bool = True) -> Comparison:
    """Compare settings from their per-seed results: ``{"relu": [0.91, 0.92, 0.91], ...}``.

    The best setting is the one with the best mean; each other setting gets a verdict against it.
    """
    if len(results) < 2:
        raise ValueError(f"compare: expected at least two settings, got {len(results)}")
    spreads = {name: spread(values) for name, values in results.items()}
    pick = max if higher_is_better else min
    best = pick(spreads, key=lambda name: spreads[name].mean)
    verdicts = {name: verdict(spreads[best], s) for name, s in spreads.items() if name != best}
    return Comparison(spreads, best, verdicts, higher_is_better)
