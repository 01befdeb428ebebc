"""scratchnn.diagnostics: activation statistics, gradient norms, overfit-one-batch and diagnose().

diagnose() is fed Histories of real, short training runs of each failure (spirals: always available;
an MNIST subset too when the verified MNIST is in the cache).
"""

import math

import numpy as np
import pytest

from scratchnn import nn
from scratchnn import diagnostics, optim
from scratchnn.checks._common import REPORT_WIDTH
from scratchnn.data import DataLoader, make_spirals
from scratchnn.diagnostics import (
    activation_stats,
    diagnose,
    gradient_norms,
    overfit_single_batch,
    record_activations,
)
from scratchnn.train import History, TrainingDiverged, fit, make_mlp


# --- activations ------------------------------------------------------------------------------------
def test_record_activations_returns_each_layer_output_in_order_and_unwraps():
    model = make_mlp([2, 4, 3], seed=0)
    x = np.random.default_rng(0).standard_normal((5, 2)).astype(np.float32)
    model.train()
    outputs = record_activations(model, x)
    assert list(outputs) == ["0", "1", "2"]
    np.testing.assert_array_equal(outputs["0"], x @ model[0].weight.data + model[0].bias.data)
    np.testing.assert_array_equal(outputs["1"], np.maximum(outputs["0"], 0))
    np.testing.assert_array_equal(outputs["2"], model(x))
    assert all("forward" not in module.__dict__ for _, module in model.named_modules())
    assert model.training


def test_dead_relu_units_are_counted():
    model = make_mlp([3, 6, 2], seed=0)
    model[0].bias.data[:2] = -1e3  # two units can never fire
    model[0].bias.data[2:] = 1e3  # four units always fire
    x = np.random.default_rng(0).random((50, 3)).astype(np.float32)
    stats = activation_stats(model, x)["1"]
    assert stats.kind == "ReLU"
    assert stats.fraction_dead == pytest.approx(2 / 6) and stats.fraction_zero == pytest.approx(2 / 6)
    assert stats.fraction_saturated is None


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_saturation_grows_with_the_weight_scale(activation):
    x = np.random.default_rng(0).standard_normal((200, 20)).astype(np.float32)
    fractions = []
    for scale in (0.01, 100.0):
        model = make_mlp([20, 50, 2], activation=activation, seed=0)
        model[0].weight.data *= scale
        stats = activation_stats(model, x)["1"]
        fractions.append(stats.fraction_saturated)
        assert stats.fraction_dead is None
    assert fractions[0] == 0.0 and fractions[1] > 0.95


def test_saturation_threshold_is_a_tenth_of_the_peak_derivative():
    model = nn.Sequential(nn.Sigmoid())
    s = np.array([[0.02, 0.03, 0.5, 0.97, 0.98]])
    x = np.log(s / (1 - s)).astype(np.float64)  # logits whose sigmoid is s
    # s(1-s) < 0.025 exactly for s < 0.0257 or s > 0.9743
    assert activation_stats(model, x)["0"].fraction_saturated == pytest.approx(2 / 5)


# --- gradients and updates --------------------------------------------------------------------------
def test_gradient_norms_match_a_manual_backward_pass():
    x, y = make_spirals(10, 3, seed=0)
    model = make_mlp([2, 8, 8, 3], seed=0)
    norms = gradient_norms(model, nn.CrossEntropyLoss(), x, y)
    assert list(norms) == ["0.weight", "2.weight", "4.weight"]
    reference = make_mlp([2, 8, 8, 3], seed=0)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(reference(x), y)
    reference.backward(loss_fn.backward())
    for name, param in reference.named_parameters():
        if name in norms:
            assert norms[name] == pytest.approx(float(np.linalg.norm(param.grad)), rel=1e-6)
    assert len(gradient_norms(model, nn.CrossEntropyLoss(), x, y, weights_only=False)) == 6


# --- overfit one batch ------------------------------------------------------------------------------
def test_a_working_network_overfits_one_batch():
    # Random labels on random points: nothing to generalise, only to memorise.
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 10)).astype(np.float32), rng.integers(0, 3, 32)
    model = make_mlp([10, 64, 64, 3], seed=0)
    result = overfit_single_batch(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), x, y,
                                  steps=500, target_loss=0.01)
    assert result.passed and result.final_loss < 0.01 and len(result.losses) < 500
    assert result.message.startswith("PASS") and "memorise" in result.message


def test_a_frozen_network_fails_and_points_at_backward():
    x, y = make_spirals(11, 3, seed=0)
    model = make_mlp([2, 64, 3], seed=0)
    result = overfit_single_batch(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), x, y,
                                  steps=20, target_loss=0.01)
    assert not result.passed and len(result.losses) == 20
    assert "FAIL" in result.message and "gradcheck" in result.message


def test_an_exploding_run_fails_and_blames_the_learning_rate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 1)).astype(np.float32)
    model = make_mlp([1, 16, 1], seed=0)
    with np.errstate(all="ignore"):
        result = overfit_single_batch(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=100.0), x, 3 * x,
                                      steps=50, target_loss=1e-3)
    assert not result.passed and not math.isfinite(result.final_loss)
    assert "learning rate is too high" in result.message


# --- diagnose on real runs --------------------------------------------------------------------------
SPIRALS_TRAIN = make_spirals(100, 3, noise=0.2, seed=1)
SPIRALS_VAL = make_spirals(100, 3, noise=0.2, seed=2)


def _spiral_run(sizes, *, activation="relu", optimizer="sgd", lr, epochs, train=SPIRALS_TRAIN, **kwargs):
    model = make_mlp(sizes, activation=activation, seed=0)
    if optimizer == "sgd":
        opt = optim.SGD(model.parameters(), lr=lr, **kwargs)
    else:
        opt = optim.Adam(model.parameters(), lr=lr)
    try:
        return fit(model, nn.CrossEntropyLoss(), opt, DataLoader(*train, batch_size=32, seed=0), epochs=epochs,
                   val=SPIRALS_VAL)
    except TrainingDiverged as error:
        return error.history


SPIRAL_CASES = {
    # name: (expected finding, run)
    "learning rate 100": ("diverging", lambda: _spiral_run([2, 64, 3], lr=100.0, epochs=5)),
    "learning rate 1e-5": ("stalled", lambda: _spiral_run([2, 64, 3], lr=1e-5, epochs=5)),
    "8 sigmoid layers": ("vanishing_gradients",
                         lambda: _spiral_run([2] + [32] * 8 + [3], activation="sigmoid", lr=0.1, epochs=5)),
    "30 points, big net": ("overfitting", lambda: _spiral_run([2, 256, 256, 3], optimizer="adam", lr=0.01,
                                                            epochs=150, train=make_spirals(10, 3, noise=0.3, seed=3))),
    "linear model": ("underfitting", lambda: _spiral_run([2, 3], lr=0.1, epochs=30, momentum=0.9)),
    "good settings": ("healthy", lambda: _spiral_run([2, 64, 64, 3], optimizer="adam", lr=0.01, epochs=60)),
}


@pytest.mark.parametrize("case", SPIRAL_CASES)
def test_diagnose_names_the_failure_of_a_real_spiral_run(case):
    expected, run = SPIRAL_CASES[case]
    finding = diagnose(run())
    assert finding.name == expected, str(finding)
    assert finding.fix == diagnostics.FIXES[expected] and finding.evidence
    assert bool(finding.signs) == (expected != "healthy")  # healthy: nothing fired, only checks made
    assert str(finding).startswith(f"{expected}:")


def test_diagnose_reports_the_evidence_behind_each_finding():
    vanishing = diagnose(SPIRAL_CASES["8 sigmoid layers"][1]())
    assert vanishing.evidence["input_layer"] == "0.weight" and vanishing.evidence["output_layer"] == "16.weight"
    assert vanishing.evidence["ratio"] < diagnostics.VANISHING_RATIO
    stalled = diagnose(SPIRAL_CASES["learning rate 1e-5"][1]())
    assert stalled.evidence["loss_fraction_left"] > diagnostics.STALLED_FRACTION and stalled.evidence["lr"] == 1e-5
    overfit = diagnose(SPIRAL_CASES["30 points, big net"][1]())
    assert overfit.evidence["val_loss_rise"] > diagnostics.OVERFIT_VAL_RISE
    assert overfit.evidence["final_train_loss"] < overfit.evidence["best_val_loss"]


def test_a_nan_run_is_diverging_with_where_it_happened():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 1)).astype(np.float32)
    model = make_mlp([1, 32, 1], seed=0)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=50.0), DataLoader(x, 3 * x, batch_size=32, seed=0),
            epochs=5)
    finding = diagnose(caught.value.history)
    assert finding.name == "diverging"
    assert finding.evidence["step"] == caught.value.step and finding.evidence["lr"] == 50.0
    # evidence counts from 0 like the exception; the words count from 1
    assert f"at step {caught.value.step + 1} (epoch {finding.evidence['epoch'] + 1}, counting from 1)" in " ".join(finding.signs)


def test_diagnose_rejects_an_empty_history():
    with pytest.raises(ValueError, match="empty"):
        diagnose(History())


# --- diagnose on made-up Histories: which words, which evidence, how it prints ------------------------
def _history(train_loss, val_loss, train_acc, val_acc):
    """A finished run without gradient norms: one step per epoch, the first step's loss 2.3."""
    return History(train_loss=list(train_loss), val_loss=list(val_loss), train_acc=list(train_acc),
                   val_acc=list(val_acc), lr=[0.1] * len(train_loss), step_loss=[2.3] + list(train_loss[1:]),
                   steps_per_epoch=1)


TRAIN_LOSS = [1.0, 0.6, 0.4, 0.3, 0.2, 0.15]


def test_an_accuracy_gap_alone_is_overfitting_in_its_own_words():
    # The validation loss rises 0.4% in the last epoch: only the accuracy-gap check fires.
    history = _history(TRAIN_LOSS, [0.9, 0.7, 0.6, 0.5, 0.5, 0.502], [0.9, 0.95, 0.97, 0.98, 0.99, 0.99],
                       [0.85, 0.86, 0.87, 0.87, 0.87, 0.87])
    finding = diagnose(history)
    assert finding.name == "overfitting"
    assert finding.evidence["train_val_acc_gap"] == pytest.approx(0.12) and "val_loss_rise" not in finding.evidence
    assert len(finding.signs) == 1 and "12.0 points" in finding.signs[0]
    assert "validation loss" not in str(finding).lower()


def test_a_rising_validation_loss_alone_is_overfitting_in_its_own_words():
    history = _history(TRAIN_LOSS, [0.9, 0.7, 0.5, 0.55, 0.6, 0.65], [0.9, 0.93, 0.95, 0.96, 0.97, 0.97],
                       [0.88, 0.9, 0.92, 0.92, 0.92, 0.92])
    finding = diagnose(history)
    assert finding.name == "overfitting" and "train_val_acc_gap" not in finding.evidence
    assert finding.evidence["val_loss_rise"] == pytest.approx(0.3) and finding.evidence["best_val_epoch"] == 2
    assert len(finding.signs) == 1 and "30.0% above its minimum 0.5 of epoch 3 of 6" in finding.signs[0]


def test_both_overfitting_checks_give_two_signs():
    history = _history(TRAIN_LOSS, [0.9, 0.7, 0.5, 0.55, 0.6, 0.65], [0.9, 0.95, 0.97, 0.98, 0.99, 0.99],
                       [0.85, 0.86, 0.87, 0.87, 0.87, 0.87])
    finding = diagnose(history)
    assert finding.name == "overfitting" and len(finding.signs) == 2
    assert {"val_loss_rise", "train_val_acc_gap"} <= set(finding.evidence)


def test_healthy_says_what_it_checked_not_that_the_losses_fall_together():
    # Lab 5's lr 0.3 run: the validation loss ends 11.4% above a minimum one epoch before the end.
    history = _history(TRAIN_LOSS, [0.5, 0.4, 0.35, 0.31, 0.3, 0.3342], [0.9, 0.93, 0.95, 0.96, 0.97, 0.97],
                       [0.9, 0.92, 0.93, 0.94, 0.95, 0.95])
    finding = diagnose(history)
    assert finding.name == "healthy" and finding.signs == []
    text = str(finding)
    assert "fall together" not in text and "Nothing to fix" not in text
    (rise,) = [check for check in finding.checks if check.name == "validation loss rise"]
    assert rise.value == "11.4% since epoch 5 of 6" and rise.fires_at == "above 10%"
    assert rise.note.startswith("too recent")
    assert finding.evidence["val_loss_rise"] == pytest.approx(0.114) and finding.evidence["best_val_epoch"] == 4


def test_healthy_lists_checks_that_did_not_fire_apart_from_what_fired():
    healthy = diagnose(_history(TRAIN_LOSS, [0.9, 0.7, 0.6, 0.5, 0.45, 0.44], [0.9, 0.93, 0.95, 0.96, 0.97, 0.97],
                                [0.9, 0.92, 0.93, 0.94, 0.95, 0.95]))
    lines = str(healthy).splitlines()
    assert lines[0] == "healthy: no check fired" and "  fired:" not in lines
    assert lines[1] == "  checked, did not fire:"
    listed = [line for line in lines if line.startswith("  · ")]
    assert len(listed) == len(healthy.checks) >= 4  # one item per check, value and threshold
    assert all("(fires " in check_line for check_line in (" ".join(c.lines()) for c in healthy.checks))
    overfit = diagnose(_history(TRAIN_LOSS, [0.9, 0.7, 0.5, 0.55, 0.6, 0.65], [0.9, 0.95, 0.97, 0.98, 0.99, 0.99],
                                [0.85, 0.86, 0.87, 0.87, 0.87, 0.87]))
    lines = str(overfit).splitlines()
    assert lines[:2] == ["overfitting:", "  fired:"] and "  checked, did not fire:" not in lines
    assert not any(line.startswith("  · ") for line in lines)


def test_a_finding_prints_on_short_lines_with_epochs_counted_from_1():
    history = _history(TRAIN_LOSS, [0.9, 0.7, 0.5, 0.55, 0.6, 0.65], [0.9, 0.95, 0.97, 0.98, 0.99, 0.99],
                       [0.85, 0.86, 0.87, 0.87, 0.87, 0.87])
    finding = diagnose(history)
    lines = str(finding).splitlines()
    assert lines[0] == "overfitting:" and len(lines) >= 4
    assert all(len(line) <= REPORT_WIDTH == 72 for line in lines), lines  # as the self-checks' reports
    assert any(len(line) > 60 for line in lines), lines  # filled to that width, not to a narrower one
    assert any(line.startswith("  fix: ") for line in lines)
    assert finding.evidence["best_val_epoch"] == 2 and "epoch 3 of 6" in str(finding).replace("\n    ", " ")


@pytest.fixture(scope="module")
def mnist_subset():
    from scratchnn.data import MNISTUnavailable, load_mnist

    try:
        mnist = load_mnist(download=False)
    except MNISTUnavailable:
        pytest.skip("real MNIST is not in the cache (run `python -m scratchnn data fetch`)")
    return (mnist.x_train[:3000], mnist.y_train[:3000]), (mnist.x_train[50000:52000], mnist.y_train[50000:52000])


MNIST_CASES = {
    "learning rate 10": ("diverging", dict(sizes=[784, 64, 10], lr=10.0, epochs=3)),
    "learning rate 1e-5": ("stalled", dict(sizes=[784, 64, 10], lr=1e-5, epochs=3)),
    "8 sigmoid layers": ("vanishing_gradients", dict(sizes=[784] + [64] * 8 + [10], activation="sigmoid",
                                                     lr=0.1, epochs=3)),
    "200 images, 512-512 net": ("overfitting", dict(sizes=[784, 512, 512, 10], lr=0.05, momentum=0.9,
                                                    epochs=40, n_train=200)),
    "2 hidden units": ("underfitting", dict(sizes=[784, 2, 10], lr=0.05, momentum=0.9, epochs=3)),
    "good settings": ("healthy", dict(sizes=[784, 64, 10], lr=0.05, momentum=0.9, epochs=5)),
}


@pytest.mark.parametrize("case", MNIST_CASES)
def test_diagnose_names_the_failure_of_a_real_mnist_run(case, mnist_subset):
    expected, settings = MNIST_CASES[case]
    settings = dict(settings)
    (x, y), val = mnist_subset
    n_train = settings.pop("n_train", len(x))
    model = make_mlp(settings.pop("sizes"), activation=settings.pop("activation", "relu"), seed=0)
    opt = optim.SGD(model.parameters(), lr=settings.pop("lr"), momentum=settings.pop("momentum", 0.0))
    try:
        history = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(x[:n_train], y[:n_train], batch_size=64, seed=0),
                      epochs=settings.pop("epochs"), val=val)
    except TrainingDiverged as error:
        history = error.history
    finding = diagnose(history)
    assert finding.name == expected, str(finding)
