"""scratchnn.train: fit, evaluate, predict, History, callbacks and the divergence guard."""

import json
import math
import warnings

import numpy as np
import pytest

from scratchnn import nn
from scratchnn import optim
from scratchnn.data import DataLoader, make_spirals
from scratchnn.train import (
    Callback,
    CosineWithWarmup,
    DivergenceCheck,
    EarlyStopping,
    History,
    ProgressBar,
    StepLR,
    TrainingDiverged,
    evaluate,
    fit,
    make_mlp,
    predict,
)


@pytest.fixture(scope="module")
def spirals():
    return make_spirals(60, 3, noise=0.2, seed=1), make_spirals(40, 3, noise=0.2, seed=2)


def _train(data, *, seed=0, epochs=3, lr=0.05, model_seed=0, callbacks=(), **loader_options):
    (train, val) = data
    model = make_mlp([2, 32, 32, 3], seed=model_seed)
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loader = DataLoader(*train, batch_size=16, seed=seed, **loader_options)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=epochs, val=val, callbacks=callbacks)
    return model, history


def _numbers(history):
    record = history.to_dict()
    record.pop("seconds")
    return record


def test_history_records_every_epoch_and_step(spirals):
    model, history = _train(spirals, epochs=4)
    steps_per_epoch = math.ceil(180 / 16)
    assert history.epochs == 4 and history.steps_per_epoch == steps_per_epoch
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds"):
        assert len(getattr(history, name)) == 4, name
    assert len(history.step_loss) == 4 * steps_per_epoch
    assert list(history.grad_norms) == [name for name, _ in model.named_parameters()]
    assert all(len(v) == 4 and all(n > 0 for n in v) for v in history.grad_norms.values())
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(0.0 <= a <= 1.0 for a in history.train_acc + history.val_acc)
    assert history.lr == [0.05] * 4
    assert not history.stopped_early and history.diverged is None


def test_epoch_train_loss_is_the_size_weighted_mean_of_step_losses(spirals):
    # 180 examples in batches of 16: the last batch holds 4, so a plain mean of step losses would differ.
    _, history = _train(spirals, epochs=1)
    sizes = np.array([16] * 11 + [4])
    expected = np.dot(history.step_loss, sizes) / sizes.sum()
    assert history.train_loss[0] == pytest.approx(expected, rel=1e-12)


def test_val_metrics_equal_evaluate_after_the_epoch(spirals):
    model, history = _train(spirals, epochs=2)
    loss, acc = evaluate(model, *spirals[1], nn.CrossEntropyLoss())
    assert history.val_loss[-1] == pytest.approx(loss, rel=1e-6)
    assert history.val_acc[-1] == acc


def test_same_seed_gives_identical_history_and_other_seed_differs(spirals):
    _, first = _train(spirals, seed=7)
    _, second = _train(spirals, seed=7)
    _, other = _train(spirals, seed=8)
    assert _numbers(first) == _numbers(second)
    assert first.step_loss != other.step_loss


def test_grad_norms_are_the_mean_step_gradient_norm():
    # One step per epoch: the recorded norm must be exactly that step's gradient norm.
    x, y = make_spirals(8, 3, seed=0)
    model = make_mlp([2, 5, 3], seed=0)
    reference = make_mlp([2, 5, 3], seed=0)
    loss_fn = nn.CrossEntropyLoss()
    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), DataLoader(x, y, batch_size=24, seed=0),
                  epochs=1)
    order = np.random.default_rng(0).permutation(24)
    loss_fn(reference(x[order]), y[order])
    reference.backward(loss_fn.backward())
    for name, param in reference.named_parameters():
        assert history.grad_norms[name][0] == pytest.approx(float(np.linalg.norm(param.grad)), rel=1e-5)


class _ModeProbe(nn.Module):
    """Identity layer that records the training flag it saw on every forward pass."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append(self.training)
        return x

    def backward(self, grad_output):
        return grad_output


def test_model_trains_in_train_mode_validates_in_eval_mode_and_mode_is_restored(spirals):
    (x, y), (xv, yv) = spirals
    probe = _ModeProbe()
    model = nn.Sequential(nn.Linear(2, 8, rng=0), probe, nn.ReLU(), nn.Linear(8, 3, rng=0))
    model.eval()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(x, y, batch_size=60, seed=0),
        epochs=1, val=(xv, yv))
    # Three training batches, then one validation batch (evaluate's batch holds all 120).
    assert probe.seen == [True, True, True, False]
    assert model.training is False and all(not m.training for _, m in model.named_modules())


def test_evaluate_is_independent_of_batch_size_and_restores_mode(spirals):
    model, _ = _train(spirals, epochs=1)
    x, y = spirals[1]
    model.train()
    whole = evaluate(model, x, y, nn.CrossEntropyLoss(), batch_size=len(x))
    pieces = evaluate(model, x, y, nn.CrossEntropyLoss(), batch_size=7)
    # Another batch size is another float32 summation order: at most a near-tie flips (1 point).
    one_point = 1.5 / len(x)
    assert pieces.loss == pytest.approx(whole.loss, rel=1e-6)
    assert pieces.accuracy == pytest.approx(whole.accuracy, abs=one_point)
    assert model.training
    logits = predict(model, x, batch_size=11)
    assert logits.shape == (len(x), 3)
    assert whole.accuracy == pytest.approx(np.mean(logits.argmax(axis=1) == y), abs=one_point)
    assert evaluate(model, x, y).loss is None


def test_binary_logit_accuracy_and_regression_has_no_accuracy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y_binary = (x[:, :1] > 0).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 1, rng=0))
    history = fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.5),
                  DataLoader(x, y_binary, batch_size=16, seed=0), epochs=20)
    assert history.train_acc[-1] > 0.9
    regression = nn.Sequential(nn.Linear(2, 1, rng=0))
    history = fit(regression, nn.MSELoss(), optim.SGD(regression.parameters(), lr=0.1),
                  DataLoader(x, x[:, :1] * 3.0, batch_size=16, seed=0), epochs=2, val=(x, x[:, :1] * 3.0))
    assert history.train_acc == [] and history.val_acc == [] and len(history.val_loss) == 2


def test_transform_sees_training_batches_with_the_loader_generator(spirals):
    calls = []

    def augment(x_batch, rng):
        calls.append((x_batch.shape, type(rng)))
        return x_batch + np.float32(0.01) * rng.standard_normal(x_batch.shape, dtype=np.float32)

    _, history = _train(spirals, epochs=1, transform=augment)
    assert len(calls) == history.steps_per_epoch
    assert all(t is np.random.Generator for _, t in calls)
    _, again = _train(spirals, epochs=1, transform=augment)
    assert _numbers(history) == _numbers(again)


def test_progress_bar_writes_to_stderr_and_can_be_switched_off(spirals, capsys):
    (train, _) = spirals
    model = make_mlp([2, 8, 3], seed=0)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(*train, batch_size=60, seed=0),
        epochs=1, callbacks=[ProgressBar()])
    assert "3/3" in capsys.readouterr().err
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(*train, batch_size=60, seed=0),
        epochs=1)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_drop_last_skips_the_partial_batch(spirals):
    _, history = _train(spirals, epochs=1, drop_last=True)
    assert history.steps_per_epoch == 180 // 16 and len(history.step_loss) == 11


def test_a_divergence_check_in_callbacks_replaces_the_default_one(spirals):
    seen = []

    class CountingCheck(DivergenceCheck):
        def on_loss(self, trainer, loss):
            seen.append(loss)
            super().on_loss(trainer, loss)

    _, plain = _train(spirals, epochs=2)
    _, history = _train(spirals, epochs=2, callbacks=[CountingCheck(record_grad_norms=False)])
    assert history.grad_norms == {} and len(seen) == len(history.step_loss)  # one check ran: the one given
    plain_numbers = _numbers(plain)
    plain_numbers["grad_norms"] = {}
    assert _numbers(history) == plain_numbers  # the gradient norms are measured, never used by the step


# --- callbacks ---------------------------------------------------------------------------------------
def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    # A tiny training set and a big network: validation loss bottoms out early, then rises.
    train = make_spirals(10, 3, noise=0.3, seed=3)
    val = make_spirals(100, 3, noise=0.2, seed=2)
    model = make_mlp([2, 128, 128, 3], seed=0)
    states = []

    class Snapshot(Callback):
        def on_epoch_end(self, history, model, optimizer):
            states.append(model.state_dict())
            return False

    stopper = EarlyStopping(patience=5)
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
                  DataLoader(*train, batch_size=32, seed=0), epochs=200, val=val, callbacks=[Snapshot(), stopper])
    assert history.stopped_early and history.epochs < 200
    best = int(np.argmin(history.val_loss))
    assert stopper.best_epoch == best and history.epochs == best + 1 + 5
    assert stopper.best == history.val_loss[best]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, states[best][name])
    assert evaluate(model, *val, nn.CrossEntropyLoss()).loss == pytest.approx(history.val_loss[best], rel=1e-6)


def test_early_stopping_on_accuracy_waits_for_an_increase_bigger_than_min_delta():
    stopper = EarlyStopping(patience=2, min_delta=0.05, monitor="val_acc", restore_best=False)
    history = History()
    model = make_mlp([2, 3], seed=0)
    stopper.on_train_begin(model, None, epochs=10, steps_per_epoch=1, has_val=True)
    decisions = []
    for acc in (0.50, 0.54, 0.56, 0.60):  # 0.54 is within min_delta of 0.50, 0.56 is not; 0.60 of 0.56 is
        history.val_acc.append(acc)
        decisions.append(stopper.on_epoch_end(history, model, None))
    assert decisions == [False, False, False, False] and stopper.best == 0.56 and stopper.best_epoch == 2
    history.val_acc.append(0.61)  # two epochs without an improvement beyond min_delta: stop
    assert stopper.on_epoch_end(history, model, None) is True


def test_early_stopping_without_validation_data_is_a_clear_error(spirals):
    with pytest.raises(ValueError, match="no validation data"):
        model = make_mlp([2, 3], seed=0)
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(*spirals[0], batch_size=8, seed=0), epochs=1, callbacks=[EarlyStopping(patience=1)])
    with pytest.raises(ValueError, match="monitor must be one of"):
        EarlyStopping(patience=1, monitor="val_f1")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


def test_step_lr_decays_by_gamma_every_step_size_epochs(spirals):
    _, history = _train(spirals, epochs=5, lr=0.1, callbacks=[StepLR(step_size=2, gamma=0.5)])
    # history.lr holds the rate each epoch ran with; StepLR changes it after epochs 2 and 4.
    assert history.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_cosine_with_warmup_ramps_up_linearly_then_decays_to_min_lr(spirals):
    schedule = CosineWithWarmup(warmup_epochs=1, min_lr=0.001)
    _, history = _train(spirals, epochs=4, lr=0.1, callbacks=[schedule])
    steps = history.steps_per_epoch
    assert schedule.warmup_steps == steps and schedule.total_steps == 4 * steps
    rates = [schedule.lr_at(t) for t in range(4 * steps)]
    assert rates[0] == pytest.approx(0.1 / steps) and rates[steps - 1] == pytest.approx(0.1)
    assert np.all(np.diff(rates[:steps]) > 0) and np.all(np.diff(rates[steps:]) < 0)
    middle = steps + (3 * steps) // 2
    assert rates[middle] == pytest.approx(0.001 + 0.099 * 0.5 * (1 + math.cos(math.pi * 0.5)), rel=1e-9)
    assert rates[-1] == pytest.approx(0.001, abs=1e-3)
    # The History records the rate of each epoch's last step.
    assert history.lr == pytest.approx([rates[(e + 1) * steps - 1] for e in range(4)])


# --- divergence ---------------------------------------------------------------------------------------
def test_huge_learning_rate_raises_training_diverged_with_the_partial_history():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 1)).astype(np.float32)
    y = (3.0 * x).astype(np.float32)
    model = make_mlp([1, 32, 1], seed=0)
    with pytest.raises(TrainingDiverged) as caught, warnings.catch_warnings():
        warnings.simplefilter("error")  # fit reports the blow-up once, as this error, not as NumPy warnings
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=50.0), DataLoader(x, y, batch_size=32, seed=0),
            epochs=5)
    error = caught.value
    assert isinstance(error, FloatingPointError)
    message = str(error)
    assert f"epoch {error.epoch}, step {error.step}" in message and "too high" in message and "50" in message
    history = error.history
    assert history.diverged["step"] == error.step and len(history.step_loss) == error.step + 1
    assert all(math.isfinite(v) for v in history.step_loss[:-1])
    assert history.diverged["lr"] == 50.0


class _PoisonGradient(nn.Module):
    """Identity forward; backward turns the gradient into NaN (so every layer below gets NaN grads)."""

    def forward(self, x):
        return x

    def backward(self, grad_output):
        return grad_output * np.float32(np.nan)


def test_first_non_finite_gradient_is_named(spirals):
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), _PoisonGradient(), nn.Linear(8, 3, rng=0))
    with pytest.raises(TrainingDiverged, match=r"gradient of '0\.weight' became non-finite") as caught:
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(*spirals[0], batch_size=16, seed=0), epochs=1)
    assert caught.value.parameter == "0.weight" and caught.value.step == 0
    # Stopped before the optimizer step: the weights are still finite.
    assert all(np.isfinite(p.data).all() for p in model.parameters())


class _Overflow(nn.Module):
    """Stands for activations that overflowed: its output is infinite."""

    def forward(self, x):
        return x * np.float32(np.inf)

    def backward(self, grad_output):
        return grad_output


def test_a_layer_refusing_non_finite_activations_becomes_training_diverged(spirals):
    model = nn.Sequential(nn.Linear(2, 8, rng=0), _Overflow(), nn.Linear(8, 3, rng=0))
    with pytest.raises(TrainingDiverged, match="a layer received NaN or inf.*every weight is finite") as caught:
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(*spirals[0], batch_size=16, seed=0), epochs=1)
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.step == 0 and math.isnan(caught.value.history.step_loss[-1])


def test_a_genuine_shape_error_is_not_mistaken_for_divergence(spirals):
    model = make_mlp([3, 4, 3], seed=0)  # expects 3 features, the spirals have 2
    with pytest.raises(ValueError, match=r"Linear expected input of shape \(batch, 3\)"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(*spirals[0], batch_size=16, seed=0), epochs=1)


def test_bad_arguments_are_clear_errors(spirals):
    model = make_mlp([2, 3], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    train = spirals[0]
    with pytest.raises(ValueError, match=r"DataLoader: x and y must have the same number of examples \(one per row\), "
                                         r"got 180 and 179 \(shapes \(180, 2\) and \(179,\)\)"):
        DataLoader(train[0], train[1][:-1], batch_size=8, seed=0)
    with pytest.raises(TypeError, match=r"loader must be a DataLoader.*got ndarray"):
        fit(model, nn.CrossEntropyLoss(), sgd, train[0], epochs=1)
    loader = DataLoader(*train, batch_size=8, seed=0)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(model, nn.CrossEntropyLoss(), sgd, loader, epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(*train, batch_size=2.5, seed=0)
    bad = train[0].copy()
    bad[[3, 40], 1] = np.nan
    with pytest.raises(ValueError, match=r"train inputs contain NaN or inf: 1 image\(s\) of the batch at epoch 0, "
                                         r"step \d+ \(train rows (3|40)\)"):
        fit(model, nn.CrossEntropyLoss(), sgd, DataLoader(bad, train[1], batch_size=8, seed=0), epochs=1)


def test_bad_training_data_is_named_even_when_no_layer_checks_it(spirals):
    # No Linear sees the data, so the NaN surfaces as a NaN loss: still a data error, not divergence.
    model = nn.Sequential(nn.LayerNorm(2))  # two outputs: logits of a two-class problem
    x, y = spirals[0][0].copy(), spirals[0][1] % 2
    x[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"train inputs contain NaN or inf.*train rows 5\)"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            DataLoader(x, y, batch_size=len(x), seed=0), epochs=1)


# --- History and the model builder -------------------------------------------------------------------
def test_history_is_json_ready_with_non_finite_values():
    history = History(train_loss=[1.0, 0.5], step_loss=[2.0, math.nan, math.inf], lr=[0.1, 0.1],
                      grad_norms={"0.weight": [1.0, math.nan]}, diverged={"step": 2, "loss": math.inf})
    saved = json.loads(json.dumps(history.to_dict(), allow_nan=False))  # would raise on NaN
    assert saved["train_loss"] == [1.0, 0.5] and saved["step_loss"] == [2.0, None, None]
    assert saved["grad_norms"] == {"0.weight": [1.0, None]} and saved["diverged"]["loss"] is None


def test_make_mlp_builds_the_layers_and_picks_the_initialiser_for_the_activation():
    model = make_mlp([784, 256, 128, 10], seed=0)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [p.data.shape for p in model.parameters()] == [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    he_std = np.sqrt(2 / 784)
    assert model[0].weight.data.std() == pytest.approx(he_std, rel=0.02)
    tanh = make_mlp([784, 256, 10], activation="tanh", dropout=0.2, seed=0)
    assert [type(m).__name__ for m in tanh] == ["Linear", "Tanh", "Dropout", "Linear"]
    assert tanh[0].weight.data.std() == pytest.approx(np.sqrt(2 / (784 + 256)), rel=0.02)
    np.testing.assert_array_equal(make_mlp([4, 3, 2], seed=5)[0].weight.data, make_mlp([4, 3, 2], seed=5)[0].weight.data)
    with pytest.raises(ValueError, match="activation must be one of"):
        make_mlp([4, 2], activation="softplus", seed=0)


def test_make_mlp_builds_the_labs_variants_norm_dropout_and_an_activation_class():
    model = make_mlp([6, 5, 4, 3], activation=nn.Tanh, norm=nn.BatchNorm1d, dropout=0.2, seed=0)
    assert [type(m).__name__ for m in model] == ["Linear", "BatchNorm1d", "Tanh", "Dropout",
                                                 "Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    by_name = make_mlp([6, 5, 4, 3], activation="tanh", seed=0)  # the class picks Xavier init as the name does
    np.testing.assert_array_equal(model[0].weight.data, by_name[0].weight.data)
    assert not np.array_equal(model[0].weight.data, make_mlp([6, 5, 4, 3], seed=0)[0].weight.data)  # He differs
    with pytest.raises(ValueError, match="activation must be one of"):
        make_mlp([2, 2], activation="swish", seed=0)

