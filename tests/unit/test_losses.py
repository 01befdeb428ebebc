"""Losses against torch (float64 oracle), numerics, dtypes, and the custom-loss contract."""

import numpy as np
import pytest

from scratchnn.nn import BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, Loss, MSELoss
from scratchnn.gradcheck import check_loss


def make_case(name, shape, rng):
    """Predictions and a valid target for each loss, scaled to exercise the interesting regions."""
    pred = 3.0 * rng.standard_normal(shape)
    if name == "CrossEntropyLoss":
        return pred, rng.integers(0, shape[1], size=shape[0])
    if name == "BCEWithLogitsLoss":
        return pred, rng.random(shape)  # soft targets in [0, 1] are allowed, as in torch
    return pred, 3.0 * rng.standard_normal(shape)


LOSSES = {  # (our loss, its torch twin made from the torch module)
    "CrossEntropyLoss": (CrossEntropyLoss, lambda torch: torch.nn.CrossEntropyLoss()),
    "MSELoss": (MSELoss, lambda torch: torch.nn.MSELoss()),
    "BCEWithLogitsLoss": (BCEWithLogitsLoss, lambda torch: torch.nn.BCEWithLogitsLoss()),
    "HuberLoss": (HuberLoss, lambda torch: torch.nn.HuberLoss()),
    "HuberLoss(0.3)": (lambda: HuberLoss(0.3), lambda torch: torch.nn.HuberLoss(delta=0.3)),
    "HuberLoss(4)": (lambda: HuberLoss(4.0), lambda torch: torch.nn.HuberLoss(delta=4.0)),
}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shape", [(1, 2), (16, 10), (64, 3)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_matches_torch(torch, assert_close, name, shape, seed):
    ours, theirs = LOSSES[name][0](), LOSSES[name][1](torch)
    pred, target = make_case(name.split("(")[0], shape, np.random.default_rng(seed))
    pt = torch.tensor(pred, requires_grad=True)
    lt = theirs(pt, torch.from_numpy(target))
    lt.backward()
    value = ours(pred, target)
    assert isinstance(value, float)
    assert_close(value, lt)
    assert_close(ours.backward(), pt.grad)


@pytest.mark.parametrize("name", LOSSES)
def test_loss_passes_gradient_check(name):
    pred, target = make_case(name.split("(")[0], (6, 4), np.random.default_rng(5))
    assert check_loss(LOSSES[name][0](), pred, target) < 1e-5


def test_cross_entropy_of_huge_logits_is_finite_and_exact():
    loss = CrossEntropyLoss()
    logits = np.array([[1000.0, 0.0, -1000.0]] * 3)
    assert loss(logits, np.array([0, 1, 2])) == pytest.approx((0.0 + 1000.0 + 2000.0) / 3, rel=1e-15)
    np.testing.assert_allclose(loss.backward(), np.array([[0, 0, 0], [1, -1, 0], [1, 0, -1]]) / 3)
    assert loss(logits.astype(np.float32), np.array([0, 0, 0])) == 0.0


def test_bce_of_huge_logits_is_finite_and_matches_torch(torch, assert_close):
    z, y = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]]), np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    loss = BCEWithLogitsLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss(z, y)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(z), torch.from_numpy(y))
    assert_close(value, expected)


@pytest.mark.parametrize("name", LOSSES)
def test_float32_predictions_give_float32_gradients(name):
    pred, target = make_case(name.split("(")[0], (5, 3), np.random.default_rng(0))
    loss = LOSSES[name][0]()
    loss(pred.astype(np.float32), target)  # a float64 target must not promote the gradient
    assert loss.backward().dtype == np.float32


def test_cross_entropy_accepts_any_integer_label_dtype():
    logits = np.random.default_rng(0).standard_normal((4, 3))
    losses = [CrossEntropyLoss()(logits, np.array([0, 2, 1, 2], dtype=dt)) for dt in (np.int64, np.int32, np.uint8)]
    assert losses[0] == losses[1] == losses[2]


class MeanAbsoluteError(Loss):
    """A custom loss written against the documented contract (as a learner would)."""

    def forward(self, pred, target):
        self._diff = pred - target
        return float(np.mean(np.abs(self._diff)))

    def backward(self):
        return np.sign(self._diff) / self._diff.size


def test_custom_loss_following_the_contract_matches_torch_and_gradchecks(torch, assert_close):
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    pt = torch.tensor(pred, requires_grad=True)
    lt = torch.nn.L1Loss()(pt, torch.from_numpy(target))
    lt.backward()
    loss = MeanAbsoluteError()
    assert_close(loss(pred, target), lt)
    assert_close(loss.backward(), pt.grad)
    assert check_loss(loss, pred, target) < 1e-6
    assert repr(loss) == "MeanAbsoluteError()" and repr(HuberLoss(2)) == "HuberLoss(delta=2.0)"


def test_a_custom_loss_gets_the_checks_of_the_built_in_ones():
    with pytest.raises(ValueError, match=r"MeanAbsoluteError expected target of shape \(4, 1\)"):
        MeanAbsoluteError()(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(TypeError, match="MeanAbsoluteError expected floating-point predictions"):
        MeanAbsoluteError()(np.zeros(4, dtype=int), np.zeros(4))
    with pytest.raises(RuntimeError, match=r"MeanAbsoluteError\.backward\(\) called before the loss"):
        MeanAbsoluteError().backward()


def test_base_loss_names_the_missing_methods():
    with pytest.raises(NotImplementedError, match="Loss must implement forward"):
        Loss()(np.zeros(2), np.zeros(2))
    with pytest.raises(NotImplementedError, match="Loss must implement backward"):
        Loss().backward()
