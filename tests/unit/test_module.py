"""Module plumbing: registration, traversal, modes, state_dict, repr (compared with torch's own repr)."""

import copy

import numpy as np
import pytest
import torch

from scratchnn import (GELU, BatchNorm1d, CrossEntropyLoss, Dropout, LayerNorm, LeakyReLU, Linear, Module, Parameter,
                       ReLU, RMSNorm, Sequential, Sigmoid, SiLU, Softmax, Tanh)
from scratchnn.optim import Adam, clip_grad_norm_


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


def test_sequential_names_match_torch():
    ours = [name for name, _ in mlp().named_parameters()]
    theirs = [name for name, _ in torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.BatchNorm1d(3)).named_parameters()]
    assert ours == theirs


def test_state_dict_keys_and_order_match_torch_except_num_batches_tracked():
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


def test_repr_matches_torch():
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


def test_sequential_backward_without_input_grad_gives_same_parameter_grads():
    x = np.random.default_rng(1).standard_normal((5, 6))
    full, skipped = mlp().to(np.float64), mlp().to(np.float64)
    g = np.random.default_rng(2).standard_normal((5, 3))
    full(x), skipped(x)
    assert full.backward(g).shape == (5, 6)
    assert skipped.backward(g, input_grad=False) is None
    for (name, a), (_, b) in zip(full.named_parameters(), skipped.named_parameters()):
        np.testing.assert_array_equal(a.grad, b.grad, err_msg=name)


def test_sequential_without_input_grad_accepts_any_first_module():
    model = Sequential(Tanh(), Linear(3, 2, rng=0))
    model(np.ones((2, 3), dtype=np.float32))
    assert model.backward(np.ones((2, 2), dtype=np.float32), input_grad=False) is None
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
