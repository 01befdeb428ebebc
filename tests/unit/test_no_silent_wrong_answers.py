"""Inputs that used to give a wrong answer without a word (issue 14): each now errs clearly or is right."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest

import scratchnn.data
from scratchnn.data import DataLoader
from scratchnn.bench import records
from scratchnn.cli import main
from scratchnn.nn import Linear
from scratchnn.nn import MSELoss
from scratchnn.nn import Module, Parameter, Sequential
from scratchnn.nn import ReLU, Tanh
from scratchnn.optim import Adam, SGD
from scratchnn.train import Callback, EarlyStopping, StepLR, TrainingDiverged, fit

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gpu_records" / "TEST-DATA_not-a-measurement.json"


# --- a module used twice, shared parameters ---------------------------------------------------------
@pytest.mark.parametrize("build, positions", [
    (lambda l, r: Sequential(l, Tanh(), l), "0 and 2"),
    (lambda l, r: Sequential(Linear(3, 3), r, l, r), "1 and 3"),
    (lambda l, r: Sequential(Sequential(l), r, l), "0 and 2"),  # the first one is inside argument 0
])
def test_one_module_object_at_two_positions_is_refused(build, positions):
    with pytest.raises(ValueError, match=rf"Sequential: the same module object .* appears twice, at positions {positions}"):
        build(Linear(3, 3), ReLU())


class TwoNamesForOneLayer(Module):
    def __init__(self):
        self.first = Linear(2, 2, rng=0)
        self.second = self.first


def test_parameters_lists_a_shared_parameter_once():
    model = TwoNamesForOneLayer()
    assert [name for name, _ in model.named_parameters()] == ["first.weight", "first.bias"]
    assert len(model.parameters()) == 2 and list(model.state_dict()) == ["first.weight", "first.bias"]


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_the_same_parameter_twice_in_an_optimizer_is_refused(optimizer):
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match=rf"{optimizer.__name__}: the same Parameter appears twice, at positions 0 and 1"):
        optimizer([p, p], lr=0.1)


# --- EarlyStopping restores however fit ends ----------------------------------------------------------
class Snapshot(Callback):
    def on_epoch_end(self, history, model, optimizer):
        self.state = model.state_dict()


def test_restore_best_also_restores_after_a_divergence():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 4)).astype(np.float32), rng.integers(0, 3, 64)
    model = Sequential(Linear(4, 8, rng=1), ReLU(), Linear(8, 3, rng=2))
    from scratchnn.nn import CrossEntropyLoss

    snapshot = Snapshot()
    # Epoch 0 trains normally; then the rate jumps by 1e30 and epoch 1 blows up.
    callbacks = [EarlyStopping(patience=5, monitor="train_loss"), snapshot, StepLR(step_size=1, gamma=1e30)]
    with pytest.raises(TrainingDiverged):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(x, y, batch_size=16, seed=0),
            epochs=3, callbacks=callbacks)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, snapshot.state[name])


# --- load_state_dict is all or nothing ------------------------------------------------------------------
@pytest.mark.parametrize("bad_value, error", [(np.zeros((9, 9)), ValueError), (np.zeros(2, dtype=complex), TypeError)])
def test_load_state_dict_with_one_bad_entry_changes_nothing(bad_value, error):
    model = Sequential(Linear(2, 3, rng=0), Linear(3, 2, rng=1))
    before = model.state_dict()
    state = {name: array + 1 for name, array in before.items()}
    state["1.bias"] = bad_value
    with pytest.raises(error, match="load_state_dict: '1.bias' expected"):
        model.load_state_dict(state)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


# --- a finite explosion stops training --------------------------------------------------------------------
def test_a_loss_that_explodes_but_stays_finite_raises_training_diverged():
    # Gradient descent on (w + b)^2 with lr 0.6 multiplies the loss by 1.96 per step: finite for
    # these 80 steps (about 1e23 at the end), but 1000x the first loss after 11 steps.
    x, y = np.ones((8, 1)), np.zeros((8, 1))
    model = Sequential(Linear(1, 1, init=lambda *a: np.ones((1, 1)), dtype=np.float64))
    with pytest.raises(TrainingDiverged, match="stayed above 1e\\+03 .* for 50 steps in a row: finite, but exploded") as caught:
        fit(model, MSELoss(), SGD(model.parameters(), lr=0.6), DataLoader(x, y, batch_size=8, seed=0), epochs=80)
    assert caught.value.step == 60 and np.isfinite(caught.value.loss)
    assert all(np.isfinite(caught.value.history.step_loss))


def test_a_short_spike_does_not_stop_training():
    # The same explosion, above the bound for 35 steps; then lr 0.25 lands on the minimum in one step.
    class Calm(Callback):
        def on_step_begin(self, step, optimizer):
            optimizer.lr = 0.6 if step < 45 else 0.25

    x, y = np.ones((8, 1)), np.zeros((8, 1))
    model = Sequential(Linear(1, 1, init=lambda *a: np.ones((1, 1)), dtype=np.float64))
    history = fit(model, MSELoss(), SGD(model.parameters(), lr=0.6), DataLoader(x, y, batch_size=8, seed=0), epochs=60,
                  callbacks=[Calm()])
    assert max(history.step_loss) > 1e3 * history.step_loss[0] and history.step_loss[-1] < history.step_loss[0]


# --- the command line ------------------------------------------------------------------------------------------
def test_train_json_into_a_missing_folder_fails_before_training(monkeypatch, capsys):
    monkeypatch.setattr(scratchnn.data, "load_mnist", pytest.fail)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--json", "/no/such/dir/run.json", "--no-progress"])
    assert exit_info.value.code == 2
    assert "--json /no/such/dir/run.json: cannot write there" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (["--lr", "inf"], "argument --lr: must be > 0 and finite, got inf"),
    (["--lr", "nan"], "argument --lr: must be > 0 and finite, got nan"),
    (["--momentum", "1.5"], "--momentum must be below 1"),
    (["--weight-decay", "inf"], "argument --weight-decay: must be >= 0 and finite, got inf"),
])
def test_train_refuses_hyperparameters_outside_their_domain(monkeypatch, capsys, arguments, message):
    monkeypatch.setattr(scratchnn.data, "load_mnist", pytest.fail)
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *arguments, "--no-progress"])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


# --- GPU records ---------------------------------------------------------------------------------------------
@pytest.fixture
def record():
    return json.loads(FIXTURE.read_text())


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_record_with_a_non_finite_number_is_invalid(record, value):
    record["series"][0]["results"][0]["seconds_per_epoch"] = value
    with pytest.raises(records.RecordError, match=r"record\.series\[0\]\.results\[0\]\.seconds_per_epoch: \w+ is not a finite"):
        records.validate_record(record)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_record_file_with_nan_tokens_is_refused(record, tmp_path, token):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record).replace('"seconds_per_epoch": 2.0', f'"seconds_per_epoch": {token}', 1))
    assert token in path.read_text()
    with pytest.raises(records.RecordError, match=rf"{path}: not valid JSON: {token} is not valid JSON"):
        records.load_record(path)


def test_a_record_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"comment": "caf\xe9"}')
    with pytest.raises(records.RecordError, match=rf"{path}: not UTF-8 text"):
        records.load_record(path)


def test_saving_a_second_record_with_the_same_name_keeps_the_first(record, tmp_path):
    path = records.save_record(record, tmp_path)
    second = copy.deepcopy(record)
    second["comment"] = "TEST DATA, second run"
    with pytest.raises(FileExistsError, match="already exists .* it was not overwritten"):
        records.save_record(second, tmp_path)
    assert records.load_record(path) == record and [p.name for p in tmp_path.iterdir()] == [path.name]


# --- issue 23: state, numerics, long runs -------------------------------------------------------------------
from scratchnn.nn import BatchNorm1d, CrossEntropyLoss, GELU  # noqa: E402
from scratchnn.train import CosineWithWarmup, evaluate, predict  # noqa: E402


def _blobs(n=64, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = (rng.standard_normal((n, features)) + 2 * np.eye(classes, features)[y]).astype(np.float32)
    return x, y


def test_a_refused_batch_leaves_no_trace_in_batchnorm():
    x, y = _blobs()
    model = Sequential(BatchNorm1d(4), Linear(4, 3, rng=0))
    before = model.state_dict()
    dirty = x.copy()
    dirty[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(dirty, y, batch_size=64, seed=0),
            epochs=1)
    for name, array in model.state_dict().items():  # running_mean and running_var included
        np.testing.assert_array_equal(array, before[name], err_msg=name)
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(x, y, batch_size=16, seed=0),
                  epochs=2)
    assert np.isfinite(history.train_loss).all()
    assert np.isfinite(evaluate(model, x, y, CrossEntropyLoss()).loss)  # before: "Linear received ... NaN"


def _tied():
    a, b = Linear(4, 4, rng=0), Linear(4, 3, rng=1)
    c = Linear(4, 4, rng=2)
    c.weight = a.weight  # weight tying: one Parameter in two layers
    return Sequential(a, ReLU(), c, ReLU(), b)


def test_weight_tying_round_trips_through_state_dict():
    model = _tied()
    state = model.state_dict()
    model.load_state_dict(state)  # before: KeyError unexpected keys ['2.weight'] (or missing)
    fresh = _tied()
    fresh.load_state_dict({name: array + 1 for name, array in state.items()})
    assert fresh[2].weight is fresh[0].weight
    np.testing.assert_array_equal(fresh[0].weight.data, state[next(k for k in state if k.endswith("weight"))] + 1)


def test_early_stopping_restores_a_model_with_tied_weights():
    x, y = _blobs()
    model = _tied()
    history = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.05), DataLoader(x, y, batch_size=16, seed=0),
                  epochs=4, val=(x, y), callbacks=[EarlyStopping(patience=1, restore_best=True)])
    assert history.epochs >= 1 and model[2].weight is model[0].weight


def test_assigning_a_plain_array_to_a_parameter_is_refused_or_kept_as_a_parameter():
    layer = Linear(3, 2, rng=0)
    try:
        layer.weight = np.ones((3, 2), np.float32)
    except TypeError as error:
        assert "weight" in str(error) and "Parameter" in str(error)
        assert isinstance(layer.weight, Parameter)
    else:
        assert isinstance(layer.weight, Parameter) and any(p is layer.weight for p in layer.parameters())
        assert "weight" in layer.state_dict()
    assert layer(np.ones((2, 3), np.float32)).shape == (2, 2)


def test_a_second_fit_with_a_fresh_schedule_starts_from_the_optimizers_initial_rate():
    x, y = _blobs()
    model = Sequential(Linear(4, 3, rng=0))
    optimizer = SGD(model.parameters(), lr=0.1)
    first = fit(model, CrossEntropyLoss(), optimizer, DataLoader(x, y, batch_size=16, seed=0), epochs=3,
                callbacks=[CosineWithWarmup(warmup_epochs=1)])
    second = fit(model, CrossEntropyLoss(), optimizer, DataLoader(x, y, batch_size=16, seed=0), epochs=3,
                 callbacks=[CosineWithWarmup(warmup_epochs=1)])
    assert second.lr == pytest.approx(first.lr)  # before: the second run's base was the first run's final rate


def test_a_rate_set_by_hand_between_two_fits_is_the_next_schedules_base():
    x, y = _blobs()
    model = Sequential(Linear(4, 3, rng=0))
    optimizer = SGD(model.parameters(), lr=0.1)
    fit(model, CrossEntropyLoss(), optimizer, DataLoader(x, y, batch_size=16, seed=0), epochs=2,
        callbacks=[StepLR(step_size=1, gamma=0.5)])
    optimizer.lr = 0.01  # fine-tuning: a deliberate lower rate
    second = fit(model, CrossEntropyLoss(), optimizer, DataLoader(x, y, batch_size=16, seed=0), epochs=2,
                 callbacks=[StepLR(step_size=1, gamma=0.5)])
    assert second.lr == pytest.approx([0.01, 0.005])  # StepLR halves after each epoch, from the rate set by hand


def test_fit_refuses_an_optimizer_that_holds_another_models_parameters():
    x, y = _blobs()
    model, other = Sequential(Linear(4, 3, rng=0)), Sequential(Linear(4, 3, rng=1))
    with pytest.raises(ValueError, match="optimizer"):
        fit(model, CrossEntropyLoss(), SGD(other.parameters(), lr=0.1), DataLoader(x, y, batch_size=16, seed=0),
            epochs=1)


def test_float16_is_supported_correctly_or_refused_clearly():
    # Before: GELU gave NaN at +-4 and +-5; Adam's eps 1e-8 underflowed and a zero gradient made a NaN weight.
    x = np.array([[-5.0, -4.0, 4.0, 5.0]], dtype=np.float16)
    try:
        out = GELU()(x)
    except TypeError as error:
        assert "float16" in str(error)
    else:
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out.astype(np.float64), [[0, -1.3e-4, 4, 5]], atol=2e-3)
    try:
        weight = Parameter(np.ones(3, dtype=np.float16))
        optimizer = Adam([weight], lr=0.1)
    except TypeError as error:
        assert "float16" in str(error)
    else:
        weight.grad[...] = 0
        optimizer.step()
        assert np.isfinite(weight.data).all()  # before: eps 1e-8 underflowed to 0 and 0/0 made NaN


def test_a_short_run_that_explodes_does_not_end_silently():
    # lr 1e6 for 48 steps: the loss jumps to ~4e5 and stays finite, but the streak rule needs 50 steps.
    x, y = _blobs(n=48 * 8, seed=1)
    model = Sequential(Linear(4, 3, rng=0))
    with pytest.raises(TrainingDiverged, match="exploded|above"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=1e6), DataLoader(x, y, batch_size=8, seed=0),
            epochs=1)


def test_ctrl_c_in_fit_keeps_the_history_of_the_finished_epochs():
    class CtrlC(Callback):
        def on_step_begin(self, step, optimizer):
            if step == 9:  # the middle of the third epoch (4 steps per epoch)
                raise KeyboardInterrupt

    x, y = _blobs(n=64)
    model = Sequential(Linear(4, 3, rng=0))
    with pytest.raises(KeyboardInterrupt) as caught:
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), DataLoader(x, y, batch_size=16, seed=0),
            epochs=5, callbacks=[CtrlC()])
    history = caught.value.history
    assert history.epochs == 2 and len(history.step_loss) == 9


class InPlaceReLU(ReLU):
    """A learner's ReLU that writes into its input."""

    def forward(self, x):
        np.maximum(x, 0, out=x)
        self._mask = x > 0
        return x


@pytest.mark.parametrize("call", [lambda m, x, y: predict(m, x), lambda m, x, y: evaluate(m, x, y, CrossEntropyLoss())])
def test_predict_and_evaluate_never_modify_the_callers_arrays(call):
    x, y = _blobs()
    x -= x.mean()
    before = x.copy()
    model = Sequential(InPlaceReLU(), Linear(4, 3, rng=0))
    call(model, x, y)
    np.testing.assert_array_equal(x, before)
