"""Optimizers against torch.optim: whole training trajectories of a small MLP over 25 steps (float64)."""

import numpy as np
import pytest

from scratchnn.nn import CrossEntropyLoss, Linear, Parameter, Sequential, Tanh
from scratchnn.optim import SGD, Adam, AdamW, Optimizer, clip_grad_norm_

STEPS = 25


def twin_models(torch, seed):
    """The same 6-8-3 MLP in scratchnn and in torch (torch weights are transposed)."""
    ours = Sequential(Linear(6, 8, rng=seed, dtype=np.float64), Tanh(), Linear(8, 3, rng=seed + 1, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        for (name, ours_param), theirs_param in zip(ours.named_parameters(), theirs.parameters()):
            ours_param.data[...] += 0.1 * np.random.default_rng(seed).standard_normal(ours_param.data.shape)
            data = ours_param.data.T if name.endswith("weight") else ours_param.data
            theirs_param.copy_(torch.from_numpy(np.ascontiguousarray(data)))
    return ours, theirs


def run_trajectories(torch, make_ours, make_theirs, seed=0, clip=None):
    ours, theirs = twin_models(torch, seed)
    opt_ours, opt_theirs = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    loss_ours, loss_theirs = CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed + 100)
    for _ in range(STEPS):
        x, y = rng.standard_normal((10, 6)), rng.integers(0, 3, size=10)
        opt_ours.zero_grad()
        loss_ours(ours(x), y)
        ours.backward(loss_ours.backward())
        opt_theirs.zero_grad()
        loss_theirs(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        if clip is not None:
            norm_ours = clip_grad_norm_(ours.parameters(), clip)
            norm_theirs = torch.nn.utils.clip_grad_norm_(theirs.parameters(), clip)
            assert norm_ours == pytest.approx(norm_theirs.item(), rel=1e-9)
        opt_ours.step()
        opt_theirs.step()
    for (name, ours_param), theirs_param in zip(ours.named_parameters(), theirs.parameters()):
        expected = theirs_param.detach().numpy()
        expected = expected.T if name.endswith("weight") else expected
        np.testing.assert_allclose(ours_param.data, expected, rtol=1e-6, atol=1e-9, err_msg=name)
        assert not np.allclose(ours_param.data, twin_models(torch, seed)[0].state_dict()[name])  # it did move


SGD_CONFIGS = {
    "plain": dict(lr=0.1),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.01),
    "all": dict(lr=0.05, momentum=0.8, weight_decay=0.05, nesterov=True),
}


@pytest.mark.parametrize("config", SGD_CONFIGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_sgd_follows_torch_trajectory(torch, config, seed):
    kwargs = SGD_CONFIGS[config]
    run_trajectories(torch, lambda p: SGD(p, **kwargs), lambda p: torch.optim.SGD(p, **kwargs), seed)


ADAM_CONFIGS = {
    "default": dict(lr=0.01),
    "betas": dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize("config", ADAM_CONFIGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_adam_follows_torch_trajectory(torch, config, seed):
    kwargs = ADAM_CONFIGS[config]
    run_trajectories(torch, lambda p: Adam(p, **kwargs), lambda p: torch.optim.Adam(p, **kwargs), seed)


@pytest.mark.parametrize("kwargs", [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.05, betas=(0.8, 0.9))])
@pytest.mark.parametrize("seed", [0, 1])
def test_adamw_follows_torch_trajectory(torch, kwargs, seed):
    run_trajectories(torch, lambda p: AdamW(p, **kwargs), lambda p: torch.optim.AdamW(p, **kwargs), seed)


def test_adamw_decay_is_decoupled_from_the_gradient_scale():
    """With a zero gradient Adam's L2 term still moves w by ~lr (normalised); AdamW shrinks w by lr * wd."""
    adamw_param, adam_param = Parameter(np.full(3, 2.0)), Parameter(np.full(3, 2.0))
    AdamW([adamw_param], lr=0.1, weight_decay=0.5).step()
    Adam([adam_param], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(adamw_param.data, 2.0 * (1 - 0.1 * 0.5))
    np.testing.assert_allclose(adam_param.data, 2.0 - 0.1, rtol=1e-6)


@pytest.mark.parametrize("max_norm", [0.05, 100.0])
def test_clip_grad_norm_matches_torch_inside_training(torch, max_norm):
    run_trajectories(torch, lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                     clip=max_norm)


def test_clip_grad_norm_returns_the_norm_before_clipping_and_scales_in_place():
    params = [Parameter(np.zeros(2)), Parameter(np.zeros((2, 2)))]
    params[0].grad[:] = [3.0, 0.0]
    params[1].grad[:] = [[0.0, 4.0], [0.0, 0.0]]
    grad = params[1].grad
    assert clip_grad_norm_(params, 1.0) == 5.0
    assert params[1].grad is grad
    np.testing.assert_allclose(np.sqrt(sum((p.grad**2).sum() for p in params)), 1.0, rtol=1e-6)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=np.float64(0.1), momentum=0.9, weight_decay=np.float64(0.1)),
                                  lambda p: Adam(p, lr=np.float64(0.01), weight_decay=0.1)])
def test_updates_stay_float32_in_place_even_with_numpy_scalar_hyperparameters(make):
    param = Parameter(np.ones((3, 2), dtype=np.float32))
    data = param.data
    opt = make([param])
    param.grad[:] = 0.5
    opt.lr = np.float64(0.2)  # what a schedule computed with NumPy would assign
    opt.step()
    assert param.data is data and param.data.dtype == np.float32 and (param.data < 1).all()


def test_optimizer_zero_grad_and_argument_errors():
    param = Parameter(np.ones(3, dtype=np.float32))
    param.grad[:] = 1.0
    SGD([param], lr=0.1).zero_grad()
    assert not param.grad.any()
    with pytest.raises(ValueError, match="nesterov=True requires momentum > 0 and dampening = 0"):
        SGD([param], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="SGD got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Adam: lr must be >= 0 and finite, got -1"):
        Adam([param], lr=-1)
    with pytest.raises(TypeError, match="SGD expected Parameters, got ndarray"):
        SGD([np.ones(3)], lr=0.1)


def test_every_optimizer_subclasses_optimizer_whose_step_is_left_to_them():
    assert all(issubclass(cls, Optimizer) for cls in (SGD, Adam, AdamW))
    with pytest.raises(NotImplementedError):
        Optimizer([Parameter(np.zeros(2))], lr=0.1).step()
