"""MatrixBackpropWidget: seed 003's three matrix layers, driven through its controls; what
its tables say is what the layer formulas and autograd give."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from gdwidgets import MatrixBackpropWidget, set_language


@pytest.fixture(scope="module")
def w():
    return MatrixBackpropWidget()


def _close(a, b) -> bool:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return bool(np.all(np.abs(a - b) <= 1e-4 * np.maximum(1.0, np.abs(b))))


def _numbers(html: str) -> list[float]:
    text = re.sub(r"<[^>]+>", " ", html)
    return [float(t) for t in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]\d+)?", text)]


def test_defaults_are_seed_003s_torch_model(w):
    cfg = w.session.config
    assert (cfg.model, cfg.hidden, cfg.activation, cfg.optimizer) == ("mlp", (2, 2), None,
                                                                      "adam")
    assert (cfg.lr, cfg.epochs, cfg.batch_size, w.dataset.value) == (1e-2, 50, 5, "plane2d")
    assert [lay.by_hand["W"].shape for lay in w.check.layers] == [(2, 2), (2, 2), (2, 1)]
    assert "ŷ = ((x·W1 + b1)·W2 + b2)·W3 + b3. The batch of update 1" in w.table.value
    assert "model ŷ" in [t.get_text() for t in w.figure.axes[0].get_legend().get_texts()]


@pytest.mark.parametrize("loss", ["mse", "seed"])
def test_every_layer_by_hand_equals_autograd_and_torch(w, loss):
    w.check_loss = loss
    for step in (0, 137, w.step.max):
        w.step = step
        update = min(step + 1, len(w.history))
        for lay in w.check.layers:
            for p in ("W", "b"):
                assert _close(lay.by_hand[p], lay.autograd[p]), (loss, step, lay.layer, p)
        # the same numbers from a plain torch model with the widget's parameters
        bl = w.session.batch_loss(update, w.history)
        params = {k: v.detach().double().requires_grad_() for k, v in bl.params.items()}
        h = bl.x.double()
        for k in (1, 2):
            h = h @ params[f"w{k}"].T + params[f"b{k}"]
        pred = h @ params["w3"] + params["b3"]
        e = pred - bl.y.double()
        total = (e**2).mean() if loss == "mse" else (e**2).sum() ** 2 / 2
        total.backward()
        assert _close(w.check.layers[2].autograd["W"][:, 0], params["w3"].grad)
        assert _close(w.check.layers[0].by_hand["W"], params["w1"].grad.T)
        assert _close(w.check.layers[1].by_hand["b"], params["b2"].grad)
    w.check_loss = "mse"


def test_the_table_shows_the_numbers_and_formulas_it_checks(w):
    w.step = 0
    table = w.table.value
    for formula in ("∂L/∂W3 = h2ᵀ · δ3", "∂L/∂b1 = Σ δ1", "δ(k−1) = δk · Wkᵀ",
                    "δ3 = ∂L/∂ŷ = 2(ŷ − y)/m"):
        assert formula in table
    shown = _numbers(table)
    for lay in w.check.layers:
        for v in np.concatenate([lay.by_hand["W"].ravel(), lay.autograd["b"].ravel()]):
            assert any(abs(s - v) <= 5e-4 * max(1.0, abs(v)) for s in shown), v


def test_check_loss_switches_the_tables_not_the_run(w):
    w.step = 3
    loss, png = w.history.loss.copy(), w.image.value
    before = w.check.layers[2].by_hand["W"].copy()
    w.check_loss = "seed"
    assert "(Σ(ŷ − y)²)² / 2" in w.table.value
    assert "2·Σ(ŷ − y)²·(ŷ − y)" in w.table.value
    assert not np.allclose(w.check.layers[2].by_hand["W"], before)
    assert np.array_equal(w.history.loss, loss) and w.image.value == png
    e = w.check.prediction - w.session.config.y[w.history.batch(4)]
    assert _close(w.check.d_pred, 2 * np.sum(e**2) * e)
    w.check_loss = "mse"
    assert "(Σ(ŷ − y)²)² / 2" not in w.table.value


def test_a_bad_check_loss_is_refused_and_named(w):
    table = w.table.value
    w.check_loss = "sum"
    assert "check_loss must be one of &#x27;mse&#x27;" in w.banner.value
    assert w.check_loss.value == "mse" and w.table.value == table


def test_moving_step_shows_another_batch(w):
    w.step = 0
    first, png = w.samples_table.value, w.image.value
    w.step = 1
    assert w.samples_table.value != first and w.image.value != png
    rows = w.history.batch(2)
    assert [int(r) for r in rows] == [5, 6, 7, 8, 9]  # seed 003's DataLoader, no shuffle


def test_training_fits_the_plane_through_the_product_of_the_weights(w):
    """Three linear layers are one linear map: W1·W2·W3 is the plane's slope (2, 1)."""
    p = w.history.final
    slope = (p["w1"].T @ p["w2"].T @ p["w3"].reshape(-1, 1)).ravel()
    assert np.allclose(slope, [2.0, 1.0], atol=0.25), slope
    assert w.history.final_loss < 1.5  # the noise's variance is 1


def test_chinese_tables():
    set_language("zh")
    try:
        w = MatrixBackpropWidget(epochs=2, check_loss="seed")
    finally:
        set_language("en")
    assert "种子 003 的梯度检验" in w.table.value and "手算" in w.table.value
    assert "逐点列出" in w.samples_table.value


def test_the_seed_loop_is_the_sessions():
    """Seed 003's test_by_torch_model: nn.Sequential + Adam + MSELoss, step by step."""
    w = MatrixBackpropWidget(epochs=2, seed=3)
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                torch.nn.Linear(2, 1))
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.from_numpy(w.session.config.x.copy())
    y = torch.from_numpy(w.session.config.y.copy())
    losses = []
    for _ in range(2):
        for i in range(0, 100, 5):
            out = model(x[i:i + 5])
            optim.zero_grad()
            loss = torch.nn.functional.mse_loss(y[i:i + 5], out.squeeze())
            loss.backward()
            optim.step()
            losses.append(loss.item())
    assert np.allclose(w.history.loss, losses, rtol=1e-4, atol=1e-6)
