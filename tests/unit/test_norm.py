"""BatchNorm1d, LayerNorm and RMSNorm against torch (float64 oracle), running statistics and numerics."""

import numpy as np
import pytest

from scratchnn.nn import BatchNorm1d, LayerNorm, RMSNorm
from scratchnn.gradcheck import check_module


def randomize_affine(torch, ours, theirs, rng):
    """Non-trivial weight/bias (never the ones/zeros defaults) copied into both modules."""
    for name, param in ours.named_parameters():
        param.data[...] = 1.0 + 0.5 * rng.standard_normal(param.data.shape)
        with torch.no_grad():
            getattr(theirs, name).copy_(torch.from_numpy(param.data))


def compare_step(torch, assert_close, ours, theirs, x, g):
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(g))
    assert_close(ours(x), yt)
    assert_close(ours.backward(g), xt.grad)
    for name, param in ours.named_parameters():
        assert_close(param.grad, getattr(theirs, name).grad)
    ours.zero_grad()
    theirs.zero_grad()


@pytest.mark.parametrize("batch, features, seed", [(2, 1, 0), (16, 5, 1), (64, 32, 2)])
def test_batchnorm_train_eval_and_running_statistics_match_torch(torch, assert_close, batch, features, seed):
    rng = np.random.default_rng(seed)
    ours = BatchNorm1d(features, dtype=np.float64)
    theirs = torch.nn.BatchNorm1d(features, dtype=torch.float64)
    randomize_affine(torch, ours, theirs, rng)
    for _ in range(5):  # several training steps move the running statistics
        x = 2.0 + 3.0 * rng.standard_normal((batch, features))
        compare_step(torch, assert_close, ours, theirs, x, rng.standard_normal((batch, features)))
    assert_close(ours.running_mean, theirs.running_mean)
    assert_close(ours.running_var, theirs.running_var)
    ours.eval(), theirs.eval()
    x = 2.0 + 3.0 * rng.standard_normal((batch, features))
    compare_step(torch, assert_close, ours, theirs, x, rng.standard_normal((batch, features)))
    assert_close(ours.running_var, theirs.running_var)  # eval leaves the statistics alone


def test_batchnorm_momentum_and_eps_are_honoured(torch, assert_close):
    rng = np.random.default_rng(0)
    ours = BatchNorm1d(4, eps=1e-3, momentum=0.3, dtype=np.float64)
    theirs = torch.nn.BatchNorm1d(4, eps=1e-3, momentum=0.3, dtype=torch.float64)
    for _ in range(3):
        compare_step(torch, assert_close, ours, theirs, rng.standard_normal((8, 4)), rng.standard_normal((8, 4)))
    assert_close(ours.running_var, theirs.running_var)


@pytest.mark.parametrize("shape, normalized_shape, seed",
                         [((4, 6), 6, 0), ((1, 3), (3,), 1), ((5, 3, 8), 8, 2), ((2, 3, 4), (3, 4), 3)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layernorm_matches_torch(torch, assert_close, shape, normalized_shape, seed, mode):
    rng = np.random.default_rng(seed)
    ours = LayerNorm(normalized_shape, dtype=np.float64).train(mode == "train")
    theirs = torch.nn.LayerNorm(normalized_shape, dtype=torch.float64).train(mode == "train")
    randomize_affine(torch, ours, theirs, rng)
    compare_step(torch, assert_close, ours, theirs, 1.0 + 2.0 * rng.standard_normal(shape), rng.standard_normal(shape))


def test_layernorm_without_bias_matches_torch(torch, assert_close):
    rng = np.random.default_rng(0)
    ours, theirs = LayerNorm(5, bias=False, dtype=np.float64), torch.nn.LayerNorm(5, bias=False, dtype=torch.float64)
    randomize_affine(torch, ours, theirs, rng)
    compare_step(torch, assert_close, ours, theirs, rng.standard_normal((3, 5)), rng.standard_normal((3, 5)))


@pytest.mark.parametrize("shape, normalized_shape, eps, seed",
                         [((4, 6), 6, None, 0), ((5, 3, 8), 8, 1e-6, 1), ((2, 3, 4), (3, 4), None, 2),
                          ((1, 1), 1, 1e-5, 3)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_rmsnorm_matches_torch(torch, assert_close, shape, normalized_shape, eps, seed, mode):
    rng = np.random.default_rng(seed)
    ours = RMSNorm(normalized_shape, eps=eps, dtype=np.float64).train(mode == "train")
    theirs = torch.nn.RMSNorm(normalized_shape, eps=eps, dtype=torch.float64).train(mode == "train")
    randomize_affine(torch, ours, theirs, rng)
    compare_step(torch, assert_close, ours, theirs, 0.5 + rng.standard_normal(shape), rng.standard_normal(shape))


def test_rmsnorm_default_eps_follows_the_input_dtype_like_torch(torch):
    tiny = np.full((2, 3), 1e-4, dtype=np.float32)  # mean(x^2) ~ eps, so eps is visible in the output
    expected = torch.nn.RMSNorm(3)(torch.from_numpy(tiny)).detach().numpy()
    np.testing.assert_allclose(RMSNorm(3)(tiny), expected, rtol=1e-6)


@pytest.mark.parametrize("module", [BatchNorm1d(4), LayerNorm(4), RMSNorm(4)], ids=repr)
def test_constant_features_stay_finite(module):
    x = np.full((8, 4), 3.0, dtype=np.float32)
    y = module(x)
    dx = module.backward(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32))
    assert np.isfinite(y).all() and np.isfinite(dx).all()
    assert y.dtype == dx.dtype == np.float32


@pytest.mark.parametrize("module", [BatchNorm1d(5), LayerNorm(5), RMSNorm(5), LayerNorm((2, 5))], ids=repr)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_norm_passes_gradient_check(module, mode):
    rng = np.random.default_rng(1)
    module.train(mode == "train")
    for param in module.parameters():
        param.data[...] = rng.standard_normal(param.data.shape)
    x = rng.standard_normal((6, 2, 5) if module.weight.data.ndim == 2 else (6, 5))
    errors = check_module(module, x)
    assert max(errors.values()) < 1e-5, errors


def test_batchnorm_running_statistics_are_saved_and_loaded():
    trained = BatchNorm1d(3)
    trained(np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32) + 4.0)
    fresh = BatchNorm1d(3)
    fresh.load_state_dict(trained.state_dict())
    np.testing.assert_array_equal(fresh.running_mean, trained.running_mean)
    assert set(trained.state_dict()) == {"weight", "bias", "running_mean", "running_var"}
