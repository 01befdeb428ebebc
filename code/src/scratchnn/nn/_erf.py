"""The error function for GELU: NumPy has none, and scratchnn needs no SciPy.

W. J. Cody's rational Chebyshev approximation (Math. Comp. 1969, the CALERF routine in SPECFUN),
accurate to about 1e-16 relative in float64. Kept apart from ``activation.py`` so that file reads
as the activations' maths.
"""

import math

import numpy as np


def erfc(x):
    """Complementary error function, accurate to about 1e-16 relative in float64.

    NumPy has no erf. This is W. J. Cody's rational Chebyshev approximation (Math. Comp. 1969,
    the CALERF routine in SPECFUN) in its three ranges of ``|x|``; computing ``erfc`` directly keeps
    full relative accuracy in the tails, where ``1 - erf(x)`` would cancel to zero.
    """
    x = np.asarray(x)
    signed = x.ravel()
    y = np.abs(signed)
    # Index arrays rather than boolean masks: gathering and scattering by index is several
    # times faster on randomly interleaved ranges. NaN falls in the middle range and stays NaN.
    is_small, is_large = y <= 0.46875, y > 4.0
    small, large = np.flatnonzero(is_small), np.flatnonzero(is_large)
    mid = np.flatnonzero(~(is_small | is_large))
    result = np.empty_like(y)
    result[small] = 1.0 - _erf_small(signed[small])
    result[mid] = _erfc_mid(y[mid])
    result[large] = _erfc_large(np.minimum(y[large], 30.0))  # erfc(30) underflows to 0; keeps inf out
    negative = np.flatnonzero((signed < 0) & ~is_small)  # erfc(-y) = 2 - erfc(y)
    result[negative] = 2.0 - result[negative]
    return result.reshape(x.shape)


def erf(x):
    """Error function ``erf(x) = 1 - erfc(x)`` (see ``erfc``), with Cody's direct form near zero."""
    x = np.asarray(x)
    result = np.array(1.0 - erfc(x))
    small = np.flatnonzero(np.abs(x) <= 0.46875)
    result.reshape(-1)[small] = _erf_small(x.ravel()[small])
    return result


# Cody's coefficients, indexed and evaluated exactly as in the Fortran of SPECFUN's CALERF.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def _erf_small(x):
    """erf for ``|x| <= 0.46875``: ``x P(x^2) / Q(x^2)``."""
    z = x * x
    num, den = _A[4] * z, z
    for a, b in zip(_A[:3], _B[:3]):
        num, den = (num + a) * z, (den + b) * z
    return x * (num + _A[3]) / (den + _B[3])


def _erfc_mid(y):
    """erfc for ``0.46875 < y <= 4``: ``exp(-y^2) P(y) / Q(y)``."""
    num, den = _C[8] * y, y
    for c, d in zip(_C[:7], _D[:7]):
        num, den = (num + c) * y, (den + d) * y
    return _exp_minus_square(y) * (num + _C[7]) / (den + _D[7])


def _erfc_large(y):
    """erfc for ``y > 4``: ``exp(-y^2) / y * (1/sqrt(pi) + z P(z) / Q(z))`` with ``z = 1 / y^2``."""
    z = 1.0 / (y * y)
    num, den = _P[5] * z, z
    for p, q in zip(_P[:4], _Q[:4]):
        num, den = (num + p) * z, (den + q) * z
    tail = z * (num + _P[4]) / (den + _Q[4])
    return _exp_minus_square(y) * (_INV_SQRT_PI - tail) / y


def _exp_minus_square(y):
    """``exp(-y^2)`` split as ``exp(-r^2) exp(-(y - r)(y + r))`` with ``r = y`` rounded to 1/16: avoids
    the rounding error of forming ``y^2`` for large ``y``."""
    r = np.trunc(y * 16.0) / 16.0
    return np.exp(-r * r) * np.exp(-(y - r) * (y + r))
