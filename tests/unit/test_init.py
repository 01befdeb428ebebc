"""Initializer statistics on large matrices: sample std within 2% of each formula."""

import numpy as np
import pytest

from scratchnn.nn import init

FAN_IN, FAN_OUT = 1000, 600
EXPECTED_STD = {
    "xavier_normal": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),
    "xavier_uniform": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),  # bound sqrt(6/(in+out)), variance bound^2/3
    "he_normal": np.sqrt(2.0 / FAN_IN),
    "he_uniform": np.sqrt(2.0 / FAN_IN),
    "lecun_normal": np.sqrt(1.0 / FAN_IN),
}


@pytest.mark.parametrize("name", EXPECTED_STD)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sample_std_within_two_percent_of_formula(name, dtype):
    weights = init.INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(0), dtype)
    assert weights.shape == (FAN_IN, FAN_OUT) and weights.dtype == dtype
    assert weights.std() == pytest.approx(EXPECTED_STD[name], rel=0.02)
    assert abs(weights.mean()) < 0.01 * EXPECTED_STD[name]  # ~8 standard errors of the mean


@pytest.mark.parametrize("name, bound", [("xavier_uniform", np.sqrt(6.0 / (FAN_IN + FAN_OUT))),
                                         ("he_uniform", np.sqrt(6.0 / FAN_IN))])
def test_uniform_initializers_fill_their_interval(name, bound):
    weights = init.INITIALIZERS[name](FAN_IN, FAN_OUT, np.random.default_rng(1), np.float64)
    assert weights.max() <= bound and weights.min() >= -bound
    assert weights.max() > 0.99 * bound and weights.min() < -0.99 * bound


def test_zeros_and_seeding():
    assert not init.zeros(3, 4).any()
    np.testing.assert_array_equal(init.he_normal(5, 5, 7), init.he_normal(5, 5, np.random.default_rng(7)))
    assert init.get_initializer("lecun_normal") is init.lecun_normal
    assert init.get_initializer(init.zeros) is init.zeros
