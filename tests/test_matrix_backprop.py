"""Seed 003's three-layer matrix model (issue #27): its gradient check (``cal_grad``,
``test_backward``) and its nn.Sequential loop (``test_by_torch_model``) as a Session with
model='mlp', the layer formulas by hand against autograd, and today's mlp unchanged."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from gdwidgets import datasets
from gdwidgets.i18n import set_language
from gdwidgets.training import LayerCheck, LayerGrads, Session, layer_check, lr_sweep
from gdwidgets.training.gradients import mlp_backward, mlp_forward, mse_loss, seed_loss

PLANE = datasets.get("plane2d")
X, Y = torch.tensor(PLANE.x), torch.tensor(PLANE.y)
SEED_003 = dict(dataset="plane2d", model="mlp", hidden=(2, 2), activation=None,
                optimizer="adam", lr=1e-2, epochs=50, batch_size=5, shuffle=False,
                normalize=False)


def close(a, b, rtol=1e-5):
    """Equal up to float32 rounding, relative to the array's scale."""
    a, b = (np.asarray(v.detach() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
            for v in (a, b))
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * max(np.abs(b).max(), 1e-6))


# ----- seed 003's gradient check ---------------------------------------------------------

def cal_grad(line1_output, line2_grad, line1_para):
    """
    求导
    :param line1_output: 上一层的输出 batch_size * 上一层神经元树
    :param line2_grad: 本层的导数 batch_size * 本层 神经元树
    :param line1_para: 本层的参数,即上层神经元数*本层神经元数 line1_output*line1_para = line2
    :return: 本层的导数和参数的导数
    """
    line1_grad = torch.matmul(line1_para, line2_grad.unsqueeze(2))
    line1_a_grad = torch.matmul(line1_output.unsqueeze(2), line2_grad.unsqueeze(1))
    return line1_grad.squeeze(), line1_a_grad.squeeze()


def seed_parameters(seed: int) -> list[torch.Tensor]:
    """Seed 003's draws, in its (in, out) layout."""
    torch.manual_seed(seed)
    return [torch.randn(2, 2, requires_grad=True), torch.randn(1, 2, requires_grad=True),
            torch.randn(2, 2, requires_grad=True), torch.randn(1, 2, requires_grad=True),
            torch.randn(2, 1, requires_grad=True), torch.randn(1, requires_grad=True)]


def our_layers(params: list[torch.Tensor]) -> list[list[torch.Tensor]]:
    """The same numbers as :meth:`MLPModel.split` holds them for one run (R = 1)."""
    a1, b1, a2, b2, a3, b3 = (p.detach() for p in params)
    return [[a1.T[..., None], b1.T], [a2.T[..., None], b2.T], [a3, b3[None]]]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("loss_name", ["seed", "mse"])
def test_seed_003_backward_by_cal_grad_and_by_our_layers(seed, loss_name):
    params = seed_parameters(seed)
    line1_a, line1_b, line2_a, line2_b, line3_a, line3_b = params
    xt, yt = next(iter(DataLoader(TensorDataset(X, Y), batch_size=5)))
    assert torch.equal(xt, X[:5])
    line1_out = torch.matmul(xt, line1_a) + line1_b
    line2_out = torch.matmul(line1_out, line2_a) + line2_b
    line3_out = torch.matmul(line2_out, line3_a) + line3_b
    output = line3_out.squeeze()
    if loss_name == "seed":
        loss = torch.sum((output - yt) ** 2) ** 2 / 2
        grad_loss_y_pre = (torch.sum((output - yt) ** 2) * 2 * (output - yt)).detach()
    else:
        loss = torch.mean((output - yt) ** 2)
        grad_loss_y_pre = (2 * (output - yt) / len(yt)).detach()
    loss.backward()
    auto = [p.grad for p in params]
    # the seed's own check, layer by layer
    grad_loss_line3, grad_loss_line3_a = cal_grad(line2_out, grad_loss_y_pre.unsqueeze(1),
                                                  line3_a)
    grad_loss_line2, grad_loss_line2_a = cal_grad(line1_out, grad_loss_line3, line2_a)
    grad_loss_line1, grad_loss_line1_a = cal_grad(xt, grad_loss_line2, line1_a)
    with torch.no_grad():
        close(grad_loss_line1_a.sum(dim=0), auto[0])
        close(grad_loss_line2_a.sum(dim=0), auto[2])
        close(grad_loss_line3_a.sum(dim=0), auto[4][:, 0])
        # the lesson point: what the seed prints as "line2" is ∂L/∂line1_out summed over
        # the batch, i.e. line1_b's gradient (and "line3" is line2_b's)
        close(grad_loss_line2.sum(dim=0), auto[1][0])
        close(grad_loss_line3.sum(dim=0), auto[3][0])
        close(grad_loss_y_pre.sum(), auto[5][0])
    # our layer formulas on the same numbers
    layers = our_layers(params)
    tape = mlp_forward(layers, xt)
    close(tape[-1][1][:, 0], output.detach())
    value, d_pred = (seed_loss if loss_name == "seed" else mse_loss)(
        tape[-1][1] - yt[:, None])
    assert float(value[0]) == pytest.approx(loss.item(), rel=1e-5)
    close(d_pred[:, 0], grad_loss_y_pre)
    grads = mlp_backward(layers, tape, d_pred)
    close(grads[0]["W"][..., 0].T, auto[0])
    close(grads[0]["b"][:, 0], auto[1][0])
    close(grads[1]["W"][..., 0].T, auto[2])
    close(grads[1]["b"][:, 0], auto[3][0])
    close(grads[2]["W"], auto[4])
    close(grads[2]["b"][0], auto[5])
    close(grads[1]["delta"][..., 0], grad_loss_line3)  # δ of layer 2 = ∂L/∂line2_out
    close(grads[0]["delta"][..., 0], grad_loss_line2)


# ----- seed 003's nn.Sequential loop as a Session -----------------------------------------

def seed_003_torch_model(seed: int, epochs: int = 50) -> tuple[list[float], nn.Sequential]:
    """``test_by_torch_model``: every step's loss and the trained model."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 1))
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.MSELoss()
    dl = DataLoader(TensorDataset(X, Y), batch_size=5)
    losses = []
    for _ in range(epochs):
        for xt, yt in dl:
            outputs = model(xt)
            optim.zero_grad()
            loss = criterion(yt, outputs.squeeze())
            loss.backward()
            optim.step()
            losses.append(loss.item())
    return losses, model


@pytest.mark.parametrize("seed", [0, 3])
def test_seed_003_torch_model_step_by_step(seed):
    session = Session(**SEED_003, seed=seed)
    torch.manual_seed(seed)
    start = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 1))
    init = session.initial_params
    assert session.config.layout.names == ("w1", "b1", "w2", "b2", "w3", "b3")
    assert np.array_equal(init["w1"], start[0].weight.detach().numpy())  # the same draws
    assert np.array_equal(init["b3"], start[2].bias.detach().numpy()[0])
    losses, model = seed_003_torch_model(seed)
    for gradients in ("manual", "autograd"):
        h = session.replace(gradients=gradients).run()
        assert len(h) == 1000 and not h.diverged
        np.testing.assert_allclose(h.loss, losses, rtol=1e-4)
        final = [model[0].weight, model[0].bias, model[1].weight, model[1].bias,
                 model[2].weight[0], model[2].bias[0]]
        for name, value in zip(h.final, final):
            close(h.final[name], value.detach(), rtol=1e-4)


# ----- by hand == autograd over whole runs ---------------------------------------------------

SHAPES = [dict(hidden=3), dict(hidden=(3,)), dict(hidden=2, activation=None),
          dict(hidden=(2, 2)), dict(hidden=(2, 2), activation=None), dict(hidden=[3, 4, 2, 5])]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_manual_equals_autograd_over_a_run(shape):
    s = Session(dataset="plane2d", model="mlp", optimizer="adam", lr=1e-2, epochs=4,
                batch_size=7, shuffle=True, seed=1, **shape)
    manual = s.replace(gradients="manual").run()
    auto = s.replace(gradients="autograd").run()
    assert manual.config.gradients == "manual" and s.config.gradients == "autograd"
    np.testing.assert_allclose(manual.loss, auto.loss, rtol=1e-4)
    for name in auto.grads:
        close(manual.grads[name], auto.grads[name], rtol=1e-4)
        close(manual.final[name], auto.final[name], rtol=1e-4)


@pytest.mark.parametrize("shape", [dict(hidden=2), dict(hidden=(2, 3), activation=None),
                                   dict(hidden=(3, 2))], ids=str)
def test_manual_sweep_runs_side_by_side(shape):
    s = dict(dataset="plane2d", model="mlp", epochs=5, batch_size=10, **shape)
    lrs = [1e-3, 1e-2, 5e-2]
    manual = lr_sweep(lrs=lrs, gradients="manual", **s)
    auto = lr_sweep(lrs=lrs, gradients="autograd", **s)
    np.testing.assert_allclose(manual.loss, auto.loss, rtol=1e-4)
    np.testing.assert_allclose(manual.final_loss, auto.final_loss, rtol=1e-4)
    one = Session(lr=lrs[1], gradients="manual", **s).run()
    np.testing.assert_allclose(manual.loss[1], one.loss, rtol=1e-5)


# ----- today's mlp unchanged -----------------------------------------------------------------

BASELINE = runpy.run_path(str(Path(__file__).parent.parent / "tools" / "mlp_baseline.py"))
# recorded with tools/mlp_baseline.py before hidden took tuples (commit d34bd19)
RECORDED = {
    "default": "1cd7c6dbc9681dfa",
    "y2x_adam": "3876a9d2e7266d7e",
    "y2x_loader": "b6f6eb1efc202406",
    "y2x_h2": "d53ce840818726ca",
    "plane2d_h4": "85a3a8778bb62fb1",
    "plane2d_h8_momentum": "60a4c927f870e36c",
    "regression_widget": "21cb779c17b084a6",
    "linear15_normalized": "9fc88e9a351266d9",
}


@pytest.mark.parametrize("case", list(RECORDED))
def test_todays_mlp_runs_are_unchanged_bit_for_bit(case):
    settings = BASELINE["CASES"][case]
    assert BASELINE["session_print"](settings) == RECORDED[case]
    layout = Session(**settings).config.layout
    assert layout.names == ("w1", "b1", "a", "w2", "b2")


def test_todays_mlp_sweep_is_unchanged_bit_for_bit():
    assert BASELINE["sweep_print"]() == "d0b48c3c54069938"


def test_layouts_of_the_mlp():
    def names(**s):
        return Session(dataset="plane2d", model="mlp", **s).config.layout

    assert names(hidden=3, activation=None).names == ("w1", "b1", "w2", "b2")
    layout = names(hidden=(3, 4))
    assert layout.names == ("w1", "b1", "a1", "w2", "b2", "a2", "w3", "b3")
    assert layout.shapes == ((3, 2), (3,), (), (4, 3), (4,), (), (4,), ())
    assert names(hidden=[3]).names == names(hidden=3).names
    init = Session(dataset="plane2d", model="mlp", hidden=(3, 4), seed=2).initial_params
    assert init["a1"] == init["a2"] == np.float32(0.25)
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(2, 3), nn.PReLU(), nn.Linear(3, 4), nn.PReLU(),
                        nn.Linear(4, 1))
    assert np.array_equal(init["w2"], net[2].weight.detach().numpy())
    assert np.array_equal(init["w3"], net[4].weight.detach().numpy()[0])


# ----- validation ------------------------------------------------------------------------------

BAD = [
    (dict(hidden=0), "hidden must be an integer between 1 and 64, got 0",
     "hidden 必须是 1 到 64 之间的整数，得到的是 0"),
    (dict(hidden=-3), "hidden must be an integer between 1 and 64, got -3",
     "hidden 必须是 1 到 64 之间的整数，得到的是 -3"),
    (dict(hidden=2.0), "hidden must be an integer between 1 and 64 (one hidden layer) or a "
     "tuple of 1 to 4 such integers (one per hidden layer), got 2.0",
     "hidden 必须是 1 到 64 之间的整数（一个隐藏层），或由 1 到 4 个这样的整数组成的元组"
     "（每个隐藏层一个），得到的是 2.0"),
    (dict(hidden="2, 2"), "hidden must be an integer between 1 and 64 (one hidden layer) or "
     "a tuple of 1 to 4 such integers (one per hidden layer), got '2, 2'",
     "得到的是 '2, 2'"),
    (dict(hidden=(2, 2, 2, 2, 2)), "hidden may give at most 4 hidden layers (and at least "
     "1), got 5: (2, 2, 2, 2, 2)", "hidden 最多给出 4 个隐藏层（至少 1 个），得到的是 5 个："
     "(2, 2, 2, 2, 2)"),
    (dict(hidden=()), "hidden may give at most 4 hidden layers (and at least 1), got 0: ()",
     "得到的是 0 个：()"),
    (dict(hidden=(2, 0.5)), "hidden[1] (the units of hidden layer 2) must be an integer "
     "between 1 and 64, got 0.5 in (2, 0.5)",
     "hidden[1]（第 2 个隐藏层的单元数）必须是 1 到 64 之间的整数，(2, 0.5) 中的是 0.5"),
    (dict(hidden=[65]), "hidden[0] (the units of hidden layer 1) must be an integer between "
     "1 and 64, got 65 in [65]", "[65] 中的是 65"),
    (dict(activation="relu"), "activation must be 'prelu' (nn.PReLU after every hidden "
     "layer) or None (no activation: a stack of Linear layers), got 'relu'",
     "activation 必须是 'prelu'（每个隐藏层之后接 nn.PReLU）或 None（没有激活：只是 "
     "Linear 层的堆叠），得到的是 'relu'"),
    (dict(activation=False), "activation must be 'prelu'", "得到的是 False"),
    (dict(model="linear", activation=None), "activation=None is for the 'mlp' model, got "
     "model='linear'", "activation=None 只能用于 'mlp' 模型，得到的是 model='linear'"),
]


@pytest.mark.parametrize("settings, en, zh", BAD, ids=[str(b[0]) for b in BAD])
def test_bad_hidden_and_activation_are_named(settings, en, zh):
    settings = {"model": "mlp", "dataset": "plane2d", **settings}
    with pytest.raises(ValueError, match=re.escape(en)):
        Session(**settings)
    set_language("zh")
    with pytest.raises(ValueError, match=re.escape(zh)):
        Session(**settings)


def test_the_sweep_checks_them_too():
    with pytest.raises(ValueError, match=re.escape("hidden[0] (the units of hidden layer 1)")):
        lr_sweep(dataset="plane2d", model="mlp", hidden=(0,), lrs=[0.1], epochs=2)


# ----- layer_check ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_run():
    s = Session(**{**SEED_003, "epochs": 2}, seed=0)
    return s, s.run()


@pytest.mark.parametrize("update", [1, 7, 20])
@pytest.mark.parametrize("loss", ["mse", "seed"])
def test_layer_check_by_hand_equals_autograd(seed_run, update, loss):
    s, h = seed_run
    c = layer_check(s, update, h, loss=loss)
    assert isinstance(c, LayerCheck) and c.loss_name == loss
    assert [type(g) for g in c.layers] == [LayerGrads] * 3
    assert [g.layer for g in c.layers] == [1, 2, 3]
    for g, (n_in, n_out) in zip(c.layers, [(2, 2), (2, 2), (2, 1)]):
        assert g.inputs.shape == (5, n_in) and g.outputs.shape == g.delta.shape == (5, n_out)
        assert set(g.by_hand) == set(g.autograd) == {"W", "b"}
        assert g.by_hand["W"].shape == g.autograd["W"].shape == (n_in, n_out)
        assert g.by_hand["b"].shape == g.autograd["b"].shape == (n_out,)
        for key in g.by_hand:
            close(g.by_hand[key], g.autograd[key])
    rows = h.batch(update)
    x, y = PLANE.x[rows], PLANE.y[rows]
    assert np.array_equal(c.layers[0].inputs, x)
    w = {k: v for k, v in h.config.layout.unflatten(h.theta[update - 1]).items()}
    close(c.layers[0].outputs, x @ w["w1"].T + w["b1"])
    close(c.layers[1].inputs, c.layers[0].outputs)  # no activation between
    close(c.prediction, c.layers[2].outputs[:, 0])
    r = c.prediction.astype(np.float64) - y
    if loss == "seed":
        close(c.d_pred, 2 * np.sum(r**2) * r)
        assert c.loss == pytest.approx(np.sum(r**2) ** 2 / 2, rel=1e-5)
    else:
        close(c.d_pred, 2 * r / len(r))
        assert c.loss == pytest.approx(s.batch_loss(update, h).loss.item(), rel=1e-6)
        close(c.layers[0].by_hand["W"].T, h.grads["w1"][update - 1])  # the step's own grads
        close(c.layers[2].by_hand["b"][0], h.grads["b3"][update - 1])
    close(c.layers[2].delta[:, 0], c.d_pred)


def test_layer_check_with_prelu_has_the_slope(seed_run):
    s = Session(dataset="plane2d", model="mlp", hidden=(3, 2), epochs=2, batch_size=5,
                lr=1e-2, seed=4)
    h = s.run()
    c = layer_check(s, 3, h, "seed")
    assert [set(g.by_hand) for g in c.layers] == [{"W", "b", "a"}, {"W", "b", "a"}, {"W", "b"}]
    for g in c.layers:
        assert set(g.autograd) == set(g.by_hand)
        for key in g.by_hand:
            assert g.by_hand[key].shape == g.autograd[key].shape
            close(g.by_hand[key], g.autograd[key])
    assert h.params["a1"][0] == np.float32(0.25)  # PReLU's a starts at 0.25
    z, a = c.layers[0].outputs, h.params["a1"][2]  # before update 3
    close(c.layers[1].inputs, np.where(z >= 0, z, a * z))


def test_layer_check_refuses_what_it_cannot_check(seed_run):
    s, h = seed_run
    line = Session(dataset="plane2d")
    with pytest.raises(ValueError, match=r"^layer_check needs model='mlp', got model='linear'$"):
        layer_check(line, 1, line.run())
    with pytest.raises(ValueError, match=r"^loss must be 'mse' \(mean"):
        layer_check(s, 1, h, loss="sum")
    with pytest.raises(ValueError, match=r"^update must be an integer between 1 and 40"):
        layer_check(s, 0, h)
    set_language("zh")
    with pytest.raises(ValueError, match="layer_check 只能用于 model='mlp'"):
        layer_check(line, 1, line.history)
