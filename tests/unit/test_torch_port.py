"""The PyTorch port: same architecture, same weights both ways, same logits and same SGD updates."""

import numpy as np
import pytest
torch = pytest.importorskip("torch")

from scratchnn import nn, optim, torch_port
from scratchnn.train import make_mlp


def _batch(rng, n=32, features=784, classes=10, dtype=np.float64):
    return rng.random((n, features)).astype(dtype), rng.integers(0, classes, size=n)


def test_torch_weight_is_the_transpose_of_the_scratchnn_weight():
    model = make_mlp((5, 4, 3), seed=1)
    twin = torch_port.to_torch(model)
    assert tuple(twin[0].weight.shape) == (4, 5)
    np.testing.assert_array_equal(twin[0].weight.detach().numpy(), model[0].weight.data.T)
    np.testing.assert_array_equal(twin[2].bias.detach().numpy(), model[2].bias.data)


def test_mlp_architecture_and_init_are_the_labs():
    model = make_mlp((784, 256, 128, 10), seed=0)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [(m.in_features, m.out_features) for m in model if isinstance(m, nn.Linear)] == [
        (784, 256), (256, 128), (128, 10)]
    # He normal: std sqrt(2 / fan_in), zero biases.
    assert model[0].weight.data.std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert not model[0].bias.data.any()
    twin = torch_port.torch_mlp(seed=0)
    assert [type(t).__name__ for t in twin] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    np.testing.assert_array_equal(twin[4].weight.detach().numpy(), model[4].weight.data.T)
    assert twin[0].weight.dtype == torch.float32


def test_round_trip_keeps_every_layer_kind_and_its_settings():
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(6, 5, rng=rng, dtype=np.float64), nn.LeakyReLU(0.2),
        nn.Linear(5, 5, rng=rng, dtype=np.float64, bias=False), nn.GELU(approximate="tanh"),
        nn.Dropout(0.3), nn.Linear(5, 4, rng=rng, dtype=np.float64), nn.Sigmoid(), nn.Tanh(),
        nn.SiLU(), nn.ReLU(), nn.Softmax(axis=1),
    ).eval()
    twin = torch_port.to_torch(model)
    back = torch_port.from_torch(twin)
    assert [type(m) for m in back] == [type(m) for m in model]
    assert twin[1].negative_slope == 0.2 and back[1].negative_slope == 0.2
    assert twin[3].approximate == "tanh" and back[3].approximate == "tanh"
    assert twin[4].p == 0.3 and back[4].p == 0.3
    assert twin[10].dim == 1 and back[10].axis == 1
    assert twin[2].bias is None and back[2].bias is None
    assert not twin.training and not back.training
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[name], value)
    x = rng.standard_normal((7, 6))
    np.testing.assert_allclose(twin(torch.from_numpy(x)).detach().numpy(), model(x), rtol=1e-12, atol=1e-15)


def test_identical_logits_in_float64():
    rng = np.random.default_rng(3)
    model = make_mlp((784, 256, 128, 10), seed=3, dtype=np.float64)
    twin = torch_port.to_torch(model)
    x, _ = _batch(rng)
    logits = model(x)
    torch_logits = twin(torch.from_numpy(x)).detach().numpy()
    assert torch_logits.dtype == np.float64
    # Same numbers up to the summation order of two BLAS libraries.
    np.testing.assert_allclose(torch_logits, logits, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("momentum, weight_decay, nesterov", [(0.0, 0.0, False), (0.9, 1e-3, True)])
def test_identical_sgd_updates_in_float64(momentum, weight_decay, nesterov):
    rng = np.random.default_rng(4)
    model = make_mlp((784, 256, 128, 10), seed=4, dtype=np.float64)
    twin = torch_port.to_torch(model)
    before = model.state_dict()
    ours = optim.SGD(model.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
    theirs = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay,
                             nesterov=nesterov)
    for _ in range(3):  # three steps so the momentum buffers matter too
        x, y = _batch(rng)
        loss = torch_port.scratchnn_sgd_step(model, nn.CrossEntropyLoss(), ours, x, y)
        torch_loss = torch_port.torch_sgd_step(twin, torch.nn.CrossEntropyLoss(), theirs,
                                               torch.from_numpy(x), torch.from_numpy(y))
        assert torch_loss == pytest.approx(loss, rel=1e-12)
    after_torch = torch_port.from_torch(twin).state_dict()
    for name, value in model.state_dict().items():
        assert not np.array_equal(value, before[name]), f"{name} did not move"
        np.testing.assert_allclose(after_torch[name], value, rtol=1e-10, atol=1e-13, err_msg=name)


def test_copy_weights_both_ways_in_place():
    model = make_mlp((4, 3, 2), seed=0, dtype=np.float64)
    other = torch_port.to_torch(make_mlp((4, 3, 2), seed=1, dtype=np.float64))
    assert torch_port.copy_weights_to_torch(model, other) is other
    np.testing.assert_array_equal(other[0].weight.detach().numpy(), model[0].weight.data.T)
    with torch.no_grad():
        other[2].bias.add_(1.0)
    assert torch_port.copy_weights_from_torch(other, model) is model
    np.testing.assert_array_equal(model[2].bias.data, other[2].bias.detach().numpy())


def test_copy_between_different_architectures_names_both_shapes():
    model = make_mlp((4, 3, 2), seed=0)
    other = torch_port.torch_mlp((4, 5, 2), seed=0)
    with pytest.raises(ValueError, match=r"scratchnn Linear \(in, out, has_bias\) \[\(4, 3, True\).*"
                                         r"torch Linear \(in, out, has_bias\) \[\(4, 5, True\)"):
        torch_port.copy_weights_to_torch(model, other)


def test_unsupported_layers_and_inputs_are_named():
    with pytest.raises(TypeError, match=r"layer 1 \(BatchNorm1d\); supported: Linear, (\w+, )*ReLU, (\w+, )*Tanh$"):
        torch_port.to_torch(nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)))
    with pytest.raises(TypeError, match=r"layer 0 \(Conv1d\)"):
        torch_port.from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(TypeError, match="expected a scratchnn Sequential, got Linear"):
        torch_port.to_torch(nn.Linear(3, 3))
    with pytest.raises(TypeError, match="Parameter: float16 is not supported"):  # refused when the layer is built
        torch_port.to_torch(nn.Sequential(nn.Linear(3, 3, init="zeros", dtype=np.float16)))


def _good_port(model):
    return torch_port.to_torch(model)


def test_check_port_passes_a_correct_port_within_float64_rounding(capsys):
    result = torch_port.check_port(_good_port, layer_sizes=(20, 8, 5), seed=2)
    assert result.passed, result.report()
    assert result.max_error <= torch_port.PORT_TOLERANCE
    assert "check_port(_good_port):" in capsys.readouterr().out


def test_check_port_loads_weights_into_a_learners_own_module():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = torch.nn.Linear(20, 8)
            self.out = torch.nn.Linear(8, 5)

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))

    assert torch_port.check_port(Net(), layer_sizes=(20, 8, 5), verbose=False).passed
    wrong = torch_port.check_port(torch.nn.Sequential(torch.nn.Linear(20, 5)), layer_sizes=(20, 8, 5),
                                  verbose=False)
    assert not wrong.passed and "(20, 8, True)" in wrong.items[0].hint


def _untransposed_port(model):
    twin = torch_port.to_torch(model)
    with torch.no_grad():
        for layer, linear in zip([m for m in model if isinstance(m, nn.Linear)],
                                 [t for t in twin if isinstance(t, torch.nn.Linear)]):
            linear.weight.copy_(torch.from_numpy(layer.weight.data.reshape(linear.weight.shape)))
    return twin


def _float32_port(model):
    return torch_port.to_torch(model).float()


def _shared_memory_port(model):
    twin = torch_port.to_torch(model)
    for layer, linear in zip([m for m in model if isinstance(m, nn.Linear)],
                             [t for t in twin if isinstance(t, torch.nn.Linear)]):
        linear.weight = torch.nn.Parameter(torch.from_numpy(layer.weight.data).T)
        linear.bias = torch.nn.Parameter(torch.from_numpy(layer.bias.data))
    return twin


@pytest.mark.parametrize("port, failing, hint", [
    (_untransposed_port, "the torch weights are the scratchnn weights", "copy layer.weight.data.T"),
    (_float32_port, "weights in float64", "dtype=torch.float64"),
    (_shared_memory_port, "the port copied the weights", "share memory"),
    (lambda model: "not a module", "port(model) returns a torch.nn.Module", "got str"),
])
def test_check_port_names_the_usual_mistakes(port, failing, hint):
    result = torch_port.check_port(port, layer_sizes=(20, 8, 5), verbose=False)
    assert not result.passed
    failed = [item for item in result.failures if item.name.startswith(failing)]
    assert failed and hint in failed[0].hint, result.report()


def test_every_parameter_free_layer_round_trips_through_torch():
    # Derived from scratchnn.nn: a new activation gets its torch twin by name, with no table to edit.
    from scratchnn.nn._catalog import parameterless_layers

    layers = [cls() for cls in parameterless_layers()]
    assert {"ReLU", "GELU", "Softmax", "Dropout"} <= {type(layer).__name__ for layer in layers}
    back = torch_port.from_torch(torch_port.to_torch(nn.Sequential(*layers)))
    assert [repr(layer) for layer in back] == [repr(layer) for layer in layers]
