"""Module plumbing: registration, traversal, modes, state_dict, repr (compared with torch's own repr)."""

import copy

import numpy as np
import pytest

from scratchnn._fast import backward_for_step, zero_grad_and_backward
from scratchnn.nn import (
    BatchNorm1d,
    CrossEntropyLoss,
    Dropout,
    GELU,
    LayerNorm,
    LeakyReLU,
    Linear,
    Module,
    Parameter,
    ReLU,
    RMSNorm,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from scratchnn.optim import SGD, Adam, clip_grad_norm_


class TwoLayer(Module):
    """A custom module written the way the book teaches: attributes register themselves."""

    def __init__(self):
        super().__init__()
        self.hidden = Linear(4, 3, rng=0)
        self.act = ReLU()
        self.out = Linear(3, 2, rng=1)
        self.scale = Parameter(np.ones(2, dtype=np.float32))

    def forward(self, x):
        return self.out(self.act(self.hidden(x))) * self.scale.data


def mlp():
    return Sequential(Linear(6, 5, rng=0), ReLU(), Linear(5, 3, rng=1), BatchNorm1d(3))


def test_assigned_parameters_and_modules_are_registered_in_order():
    names = [name for name, _ in TwoLayer().named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]


def test_sequential_names_match_torch(torch):
    ours = [name for name, _ in mlp().named_parameters()]
    theirs = [name for name, _ in torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.BatchNorm1d(3)).named_parameters()]
    assert ours == theirs


def test_state_dict_keys_and_order_match_torch_except_num_batches_tracked(torch):
    ours = Sequential(Linear(6, 5), BatchNorm1d(5), ReLU(), Linear(5, 3), LayerNorm(3))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
                                 torch.nn.Linear(5, 3), torch.nn.LayerNorm(3)).state_dict()
    assert list(ours.state_dict()) == [key for key in theirs if not key.endswith("num_batches_tracked")]


def test_reassigning_an_attribute_unregisters_it():
    module = TwoLayer()
    module.out = None
    assert [name for name, _ in module.named_parameters()] == ["scale", "hidden.weight", "hidden.bias"]


def test_forgetting_super_init_still_registers():
    class NoSuper(Module):
        def __init__(self):
            self.layer = Linear(2, 2, rng=0)

    assert len(NoSuper().parameters()) == 2


def test_zero_grad_zeros_every_gradient_in_place():
    model = mlp()
    x = np.random.default_rng(0).standard_normal((8, 6)).astype(np.float32)
    model.backward(np.ones_like(model(x)) * np.arange(3, dtype=np.float32))
    grads = [p.grad for p in model.parameters()]
    assert any(np.abs(g).sum() > 0 for g in grads)
    model.zero_grad()
    assert all(p.grad is g and not g.any() for p, g in zip(model.parameters(), grads))


def test_train_and_eval_set_the_mode_recursively():
    model = Sequential(Linear(2, 2, rng=0), Sequential(ReLU(), Tanh()))
    assert model.eval() is model
    assert all(not m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_state_dict_returns_copies_and_round_trips():
    source, target = mlp(), Sequential(Linear(6, 5, rng=7), ReLU(), Linear(5, 3, rng=8), BatchNorm1d(3))
    source[3].running_mean += 2.5
    state = source.state_dict()
    state["0.weight"][0, 0] += 100.0  # mutating the copy must not touch the module
    assert source[0].weight.data[0, 0] != state["0.weight"][0, 0]
    weight_array = target[0].weight.data
    target.load_state_dict(source.state_dict())
    assert target[0].weight.data is weight_array  # loaded in place
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    np.testing.assert_array_equal(target[3].running_mean, 2.5)


def test_load_state_dict_rejects_wrong_shape_naming_key_and_shapes():
    state = mlp().state_dict()
    state["2.weight"] = np.zeros((4, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"'2\.weight' expected shape \(5, 3\), got \(4, 3\)"):
        mlp().load_state_dict(state)


def test_load_state_dict_rejects_missing_and_unexpected_keys():
    state = mlp().state_dict()
    del state["0.bias"]
    state["9.weight"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"missing keys \['0\.bias'\], unexpected keys \['9\.weight'\]"):
        mlp().load_state_dict(state)


def test_repr_matches_torch(torch):
    ours = Sequential(Linear(784, 256), ReLU(), Linear(256, 10, bias=False), LeakyReLU(0.2), GELU("tanh"),
                      LayerNorm(10), Sequential(Tanh()))
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10, bias=False),
                                 torch.nn.LeakyReLU(0.2), torch.nn.GELU("tanh"), torch.nn.LayerNorm(10),
                                 torch.nn.Sequential(torch.nn.Tanh()))
    assert repr(ours) == repr(theirs)


def test_sequential_indexing_length_and_iteration():
    model = mlp()
    assert len(model) == 4 and isinstance(model[1], ReLU) and isinstance(model[-1], BatchNorm1d)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "BatchNorm1d"]


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match=r"Sequential expected modules \(objects with forward\(x\) and "
                                        r"backward\(grad_output\)\), got function at position 1"):
        Sequential(Linear(2, 2), lambda x: x)


def test_the_training_step_gives_a_sequential_the_same_parameter_grads():
    x = np.random.default_rng(1).standard_normal((5, 6))
    full, skipped = mlp().to(np.float64), mlp().to(np.float64)
    g = np.random.default_rng(2).standard_normal((5, 3))
    full(x), skipped(x)
    assert full.backward(g).shape == (5, 6)
    assert backward_for_step(skipped, g) is None
    for (name, a), (_, b) in zip(full.named_parameters(), skipped.named_parameters()):
        np.testing.assert_array_equal(a.grad, b.grad, err_msg=name)


def _stale_grads(model, value=7.0):
    for param in model.parameters():
        param.grad[...] = value


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_training_step_clears_and_fills_the_grads_as_zero_grad_then_backward_do(dtype):
    # scratchnn._fast writes each gradient the optimizer holds instead of zero-filling it first: the
    # same bits as zero_grad() then backward() (0 + v is v exactly).
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(dtype)
    g = np.random.default_rng(2).standard_normal((5, 3)).astype(dtype)
    taught, fast = mlp().to(dtype), mlp().to(dtype)
    frozen = [taught[0].bias, fast[0].bias]  # held by no optimizer: backward adds to it, nothing clears it
    optimizers = [SGD([p for p in m.parameters() if p not in frozen], lr=0.1) for m in (taught, fast)]
    for model in (taught, fast):
        _stale_grads(model)
        model(x)
    optimizers[0].zero_grad()
    taught.backward(g)
    assert zero_grad_and_backward(optimizers[1], fast, g) is None
    for (name, a), (_, b) in zip(taught.named_parameters(), fast.named_parameters()):
        np.testing.assert_array_equal(a.grad, b.grad, err_msg=name)
    assert (fast[0].bias.grad != taught[0].bias.grad - 7.0).all()  # the frozen bias kept its stale 7.0


def test_the_training_step_adds_a_shared_weights_second_use_and_clears_what_no_backward_reaches():
    x = np.random.default_rng(3).standard_normal((4, 3))
    g = np.random.default_rng(4).standard_normal((4, 3))
    first = Linear(3, 3, rng=0, dtype=np.float64)
    second = Linear(3, 3, rng=1, dtype=np.float64)
    second.weight = first.weight  # tied: both uses add into one gradient
    model, unused = Sequential(first, Tanh(), second), Parameter(np.ones(2))
    unused.grad[...] = 5.0
    _stale_grads(model)
    model(x)
    expected = copy.deepcopy(model)
    expected.zero_grad()
    expected.backward(g)
    zero_grad_and_backward(SGD([*model.parameters(), unused], lr=0.1), model, g)
    for (name, a), (_, b) in zip(expected.named_parameters(), model.named_parameters()):
        np.testing.assert_array_equal(a.grad, b.grad, err_msg=name)
    assert not unused.grad.any()


def test_the_training_step_lets_an_optimizer_of_your_own_clear_its_way():
    class KeepsGrads(SGD):
        def zero_grad(self):
            self.cleared = True

    model = Linear(3, 2, rng=0, dtype=np.float64)
    _stale_grads(model, 1.0)
    x, g = np.ones((2, 3)), np.ones((2, 2))
    model(x)
    optimizer = KeepsGrads(model.parameters(), lr=0.1)
    zero_grad_and_backward(optimizer, model, g)
    assert optimizer.cleared
    np.testing.assert_array_equal(model.weight.grad, 1.0 + x.T @ g)


def test_the_training_step_accepts_any_first_module():
    model = Sequential(Tanh(), Linear(3, 2, rng=0))
    model(np.ones((2, 3), dtype=np.float32))
    assert backward_for_step(model, np.ones((2, 2), dtype=np.float32)) is None
    assert model[1].weight.grad.any()


def test_to_converts_parameters_grads_and_buffers():
    model = mlp().to(np.float64)
    assert all(p.data.dtype == np.float64 and p.grad.dtype == np.float64 for p in model.parameters())
    assert model[3].running_var.dtype == np.float64 and "3.running_var" in model.state_dict()


def test_deepcopy_gives_an_independent_module():
    model = mlp()
    clone = copy.deepcopy(model)
    clone[0].weight.data += 1.0
    assert not np.array_equal(clone[0].weight.data, model[0].weight.data)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]


def test_module_without_forward_says_what_is_missing():
    with pytest.raises(NotImplementedError, match="Module must implement forward"):
        Module()(np.zeros(1))


def test_float32_network_stays_float32_through_a_full_training_step():
    model = Sequential(Linear(6, 8, rng=0), BatchNorm1d(8), GELU(), Dropout(0.2, rng=0), Linear(8, 8, rng=1),
                       LayerNorm(8), SiLU(), RMSNorm(8), Tanh(), LeakyReLU(), Sigmoid(), Softmax(), Linear(8, 3, rng=2))
    optimizer = Adam(model.parameters(), lr=np.float64(1e-3), weight_decay=np.float64(1e-4))
    loss_fn = CrossEntropyLoss()
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    logits = model(x)
    assert logits.dtype == np.float32
    loss_fn(logits, np.array([0, 1, 2, 0, 1]))
    assert model.backward(loss_fn.backward()).dtype == np.float32
    clip_grad_norm_(model.parameters(), np.float64(0.5))
    optimizer.step()
    arrays = [a for p in model.parameters() for a in (p.data, p.grad)] + [b for _, b in model.named_buffers()]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}


# --- a learner's own layers (no Module subclass) inside Sequential --------------------------------
class MyLinear:
    def __init__(self, n_in, n_out, rng):
        self.weight = Parameter(rng.standard_normal((n_in, n_out)).astype(np.float32) * np.sqrt(2 / n_in))
        self.bias = Parameter(np.zeros(n_out, dtype=np.float32))

    def forward(self, x):
        self.x = x
        return x @ self.weight.data + self.bias.data

    def backward(self, grad_output):
        self.weight.grad += self.x.T @ grad_output
        self.bias.grad += grad_output.sum(axis=0)
        return grad_output @ self.weight.data.T


class MyReLU:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad_output):
        return grad_output * self.mask


class MyDropout:
    """Reads self.training, as the contract of scratchnn.checks says."""

    training = True

    def forward(self, x):
        return x * 0.5 if self.training else x

    def backward(self, grad_output):
        return grad_output * 0.5 if self.training else grad_output


class MyScale:
    """Parameters only through parameters(), under a name that is not weight/bias."""

    def __init__(self):
        self.gain = [Parameter(np.ones(1, dtype=np.float32))]

    def parameters(self):
        return self.gain

    def forward(self, x):
        self.x = x
        return x * self.gain[0].data

    def backward(self, grad_output):
        self.gain[0].grad += (grad_output * self.x).sum(keepdims=True).reshape(1)
        return grad_output * self.gain[0].data


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_sequential_trains_a_learners_own_layers_with_fit(optimizer):
    from scratchnn.data import DataLoader
    from scratchnn.nn import CrossEntropyLoss
    from scratchnn.optim import Adam, SGD
    from scratchnn.train import evaluate, fit

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    x = (np.eye(3)[y] * 2 + 0.3 * rng.standard_normal((300, 3))).astype(np.float32)
    model = Sequential(MyLinear(3, 16, rng), MyReLU(), MyDropout(), MyLinear(16, 3, rng), MyScale())
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "3.weight", "3.bias", "4.param0"]
    assert isinstance(model[0], MyLinear) and [type(m).__name__ for m in model][1] == "MyReLU"
    opt = SGD(model.parameters(), lr=0.1) if optimizer == "sgd" else Adam(model.parameters(), lr=0.01)
    before = evaluate(model, x, y, CrossEntropyLoss())
    fit(model, CrossEntropyLoss(), opt, DataLoader(x, y, batch_size=32, seed=0), epochs=5)
    after = evaluate(model, x, y, CrossEntropyLoss())
    assert after.loss < before.loss / 2 and after.accuracy > 0.9
    assert model[2].training is True  # fit restores the mode; evaluate ran it in eval mode
    model.eval()
    assert model[2].training is False
    assert set(model.state_dict()) == {"0.weight", "0.bias", "3.weight", "3.bias", "4.param0"}


def test_a_learners_layer_used_twice_is_refused_too():
    relu = MyReLU()
    with pytest.raises(ValueError, match="the same module object .* appears twice, at positions 1 and 3"):
        Sequential(Linear(2, 2), relu, Linear(2, 2), relu)


def test_a_module_of_your_own_gets_the_checks_around_its_methods():
    class Double(Module):
        def forward(self, x):
            return 2 * x

        def backward(self, grad_output):
            return 2 * grad_output

    with pytest.raises(RuntimeError, match=r"Double\.backward\(\) called before forward\(\)"):
        Double().backward(np.ones(3))
    with pytest.raises(TypeError, match="Double expected a floating-point input, got dtype int64"):
        Double()(np.ones(3, dtype=np.int64))
    layer = Double()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Double\.backward expected grad_output of shape \(2, 3\)"):
        layer.backward(np.ones((3, 2)))
    assert np.array_equal(layer.backward(np.ones((2, 3))), np.full((2, 3), 2.0))
