"""Dropout (same mask fed to torch, and statistics) and the L1/L2 penalties against torch."""

import numpy as np
import pytest

from scratchnn.nn import Dropout, Linear
from scratchnn.gradcheck import check_module
from scratchnn.optim import SGD
from scratchnn.nn import l1_penalty, l2_penalty


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_dropout_matches_torch_given_the_same_mask(torch, p, seed):
    rng = np.random.default_rng(seed)
    x, g = rng.standard_normal((16, 7)), rng.standard_normal((16, 7))
    layer = Dropout(p, rng=seed)
    y = layer(x)
    keep = y != 0  # x is never exactly 0, so the kept positions are visible in the output
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.from_numpy(keep) / (1 - p)  # torch's own dropout formula with our mask
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.backward(g), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics_match_torch_dropout(torch, p):
    x = np.ones((1000, 1000), dtype=np.float32)
    ours = Dropout(p, rng=0)(x)
    theirs = torch.nn.functional.dropout(torch.from_numpy(x), p, training=True).numpy()
    for y in (ours, theirs):
        kept = y != 0
        assert kept.mean() == pytest.approx(1 - p, abs=0.005)  # ~5 standard errors
        np.testing.assert_allclose(np.unique(y[kept]), [1 / (1 - p)], rtol=1e-6)
        assert y.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout preserves the expectation
    assert ours.dtype == np.float32


def test_dropout_is_identity_in_eval_and_at_p_zero_and_zero_at_p_one(torch):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    layer = Dropout(0.5, rng=0).eval()
    assert layer(x) is x
    np.testing.assert_array_equal(layer.backward(2 * x), 2 * x)
    np.testing.assert_array_equal(Dropout(0.0)(x), x)
    np.testing.assert_array_equal(Dropout(1.0)(x), np.zeros_like(x))
    np.testing.assert_array_equal(torch.nn.functional.dropout(torch.from_numpy(x), 1.0).numpy(), 0)


def test_dropout_is_reproducible_from_its_seed_and_gradchecks():
    x = np.ones((8, 8), dtype=np.float32)
    np.testing.assert_array_equal(Dropout(0.5, rng=3)(x), Dropout(0.5, rng=3)(x))
    assert not np.array_equal(Dropout(0.5, rng=3)(x), Dropout(0.5, rng=4)(x))
    assert check_module(Dropout(0.4, rng=0), np.random.default_rng(0).standard_normal((5, 6)))["input"] < 1e-8


def test_dropout_rejects_a_probability_outside_zero_one():
    with pytest.raises(ValueError, match=r"Dropout: p \(the drop probability\) must be in \[0, 1\], got 1.5"):
        Dropout(1.5)


def test_l2_penalty_value_grad_and_equivalence_to_torch_weight_decay(torch):
    rng = np.random.default_rng(0)
    w, lam = rng.standard_normal((5, 4)), 0.03
    value, grad = l2_penalty(w, lam)
    wt = torch.tensor(w, requires_grad=True)
    (0.5 * lam * (wt**2).sum()).backward()
    assert value == pytest.approx(0.5 * lam * (w**2).sum(), rel=1e-12)
    np.testing.assert_allclose(grad, wt.grad.numpy(), rtol=1e-12)

    # Adding the penalty gradient by hand == torch's SGD(weight_decay=lam).
    layer = Linear(5, 4, rng=1, dtype=np.float64)
    theirs = torch.tensor(layer.weight.data.copy(), requires_grad=True)
    torch_opt = torch.optim.SGD([theirs], lr=0.1, weight_decay=lam)
    for _ in range(20):
        g = rng.standard_normal((5, 4))
        layer.weight.grad[...] = g + l2_penalty(layer.weight.data, lam)[1]
        SGD([layer.weight], lr=0.1).step()
        theirs.grad = torch.from_numpy(g)
        torch_opt.step()
    np.testing.assert_allclose(layer.weight.data, theirs.detach().numpy(), rtol=1e-10)


def test_l1_penalty_matches_torch_autograd(torch):
    w, lam = np.array([[-2.0, 0.0], [0.5, 3.0]]), 0.1
    value, grad = l1_penalty(w, lam)
    wt = torch.tensor(w, requires_grad=True)
    penalty = lam * wt.abs().sum()
    penalty.backward()
    assert value == pytest.approx(penalty.item(), rel=1e-12)
    np.testing.assert_array_equal(grad, wt.grad.numpy())  # subgradient 0 at 0, like torch


def test_penalties_keep_float32():
    w = np.ones(3, dtype=np.float32)
    assert l2_penalty(w, np.float64(0.1))[1].dtype == np.float32
    assert l1_penalty(w, np.float64(0.1))[1].dtype == np.float32
