"""Dispatch by table (issue #28): optimizers, models, manual steps, losses, reductions and
data sets are each a dict in the module that defines them; an unknown name is a
ValueError naming the kind, the name and the known ones; a new entry works everywhere.

The three traces of CONTRIBUTING.md ("Where each everyday change goes") are proved here:
an entry added at runtime trains a Session and shows in a widget, with nothing else
changed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdwidgets import Session, datasets, set_language, settings
from gdwidgets import losses as loss
from gdwidgets.data import Dataset
from gdwidgets.registry import Option, label, lookup
from gdwidgets.training import gradients, models, optimizers

# ----- one list is the truth ---------------------------------------------------------------


def test_the_settings_lists_are_the_tables_keys():
    assert tuple(optimizers.UPDATES) == tuple(settings.OPTIMIZERS)
    assert tuple(models.BUILDERS) == settings.MODELS
    assert tuple(gradients.MANUAL_STEPS) == settings.MANUAL
    assert set(settings.MANUAL_BY_DEFAULT) <= set(settings.MANUAL)
    # torch-free tables: the settings hold them as they are
    assert settings.SETTINGS["loss"].allowed is loss.LOSSES
    assert settings.SETTINGS["reduction"].allowed is loss.REDUCTIONS
    assert settings.SETTINGS["optimizer"].allowed is settings.OPTIMIZERS


@pytest.mark.parametrize("call, kind, name, known", [
    (lambda: optimizers.make_update("rmsprop", torch.ones(1, 1)), "optimizer", "rmsprop",
     "'sgd', 'momentum', 'adam'"),
    (lambda: models.build_model("logistic", 1, 2, 1), "model", "logistic",
     "'linear', 'polynomial', 'two_layer', 'mlp'"),
    (lambda: loss.get("hinge"), "loss", "hinge", "'squared'"),
    (lambda: loss.factor("median", 3), "reduction", "median", "'mean', 'sum', 'half_sum'"),
    (lambda: loss.reduce(torch.ones(3), "median"), "reduction", "median",
     "'mean', 'sum', 'half_sum'"),
])
def test_an_unknown_name_says_kind_name_and_known_names(call, kind, name, known):
    with pytest.raises(ValueError) as e:
        call()
    assert str(e.value) == f"{kind} must be one of {known}, got {name!r}"
    set_language("zh")
    try:
        with pytest.raises(ValueError) as e:
            call()
        assert str(e.value) == f"{kind} 必须是 {known} 之一，得到的是 {name!r}"
    finally:
        set_language("en")


def test_lookup_refuses_what_is_not_a_name():
    with pytest.raises(ValueError, match="optimizer must be one of 'a', got None"):
        lookup({"a": 1}, "optimizer", None)


def test_a_label_falls_back_to_the_name():
    assert label(object(), "rmsprop") == "rmsprop"
    assert label(settings.OPTIMIZERS["momentum"], "momentum", "zh") == "动量"


# ----- trace 1: a new optimizer ------------------------------------------------------------


def _sign_sgd(neg_lr: torch.Tensor) -> optimizers.Update:
    """signSGD: every parameter moves by lr against the sign of its gradient."""
    return lambda theta, grad: theta + neg_lr * torch.sign(grad)


@pytest.fixture
def sign_sgd(monkeypatch):
    monkeypatch.setitem(optimizers.UPDATES, "sign", _sign_sgd)
    monkeypatch.setitem(settings.OPTIMIZERS, "sign", Option(
        ("signSGD", "符号 SGD"), ("'sign' (steps of lr against the gradient's sign)",
                                 "'sign'（沿梯度符号的反方向走 lr）")))


def test_a_new_optimizer_trains_a_session_and_labels_its_option(sign_sgd):
    h = Session(dataset="y2x", optimizer="sign", lr=0.1, epochs=3, init=0.0).run()
    # y = 2x lies above the line from 0: every step raises w and b by lr
    assert h.params["w"] == pytest.approx([0, 0.1, 0.2, 0.3], abs=1e-6)
    assert h.params["b"] == pytest.approx([0, 0.1, 0.2, 0.3], abs=1e-6)
    from gdwidgets.training import lr_sweep
    assert lr_sweep(dataset="y2x", optimizer="sign", lrs=(0.1, 0.2), epochs=2).loss.shape[-1] == 2

    from gdwidgets import RegressionWidget
    w = RegressionWidget(optimizer="sign", epochs=5, graph=False)
    assert ("signSGD", "sign") in w.optimizer.options and w.history.config.optimizer == "sign"
    set_language("zh")
    try:
        z = RegressionWidget(optimizer="sign", epochs=5, graph=False)
        assert ("符号 SGD", "sign") in z.optimizer.options
    finally:
        set_language("en")


# ----- trace 2: a new data set -------------------------------------------------------------


@pytest.fixture
def toy_data(monkeypatch):
    x = np.linspace(-1, 1, 9)
    monkeypatch.setitem(datasets._TABLE, "toy_line", Dataset(
        "toy_line", x, 3 * x - 1, description=("y = 3x - 1 (9 points).", "y = 3x - 1（9 个点）。"),
        source="test"))
    monkeypatch.setitem(datasets._TABLE, "toy_plane", Dataset(
        "toy_plane", np.stack([x, x**2], 1), x + x**2, source="test"))


def test_a_new_data_set_trains_and_one_input_widgets_read_its_shape(toy_data):
    assert "toy_line" in datasets.names()
    h = Session(dataset="toy_line", lr=0.5, epochs=200).run()
    assert h.final["w"] == pytest.approx(3, abs=1e-3)
    assert h.final["b"] == pytest.approx(-1, abs=1e-3)
    assert Session(dataset="toy_plane", lr=0.5, epochs=5).run().final["w"].shape == (2,)

    from gdwidgets import ChainRuleWidget, RegressionWidget
    assert {"toy_line", "toy_plane"} <= set(RegressionWidget(graph=False).dataset.options)
    chain = ChainRuleWidget(dataset="toy_line")  # one input: Dataset.n_inputs says so
    assert "toy_line" in chain.dataset.options and "toy_plane" not in chain.dataset.options


# ----- trace 3: a new loss -----------------------------------------------------------------

ABSOLUTE = loss.Loss(point=lambda r, neg_y: abs(r), slope=lambda r, neg_y: r.sign(),
                     doc=("'absolute' (|ŷ - y|)", "'absolute'（|ŷ - y|）"))
HALF = loss.Loss(point=lambda r, neg_y: r * r / 2, slope=lambda r, neg_y: r,
                 doc=("'half' ((ŷ - y)² / 2)", "'half'（(ŷ - y)² / 2）"), linear=1.0)


@pytest.fixture
def toy_losses(monkeypatch):
    monkeypatch.setitem(loss.LOSSES, "absolute", ABSOLUTE)
    monkeypatch.setitem(loss.LOSSES, "half", HALF)


@pytest.mark.parametrize("name", ["absolute", "half"])
@pytest.mark.parametrize("model, data", [
    (dict(model="linear"), "y2x10"), (dict(model="polynomial", degree=2), "y2x10"),
    (dict(model="two_layer"), "y2x10"), (dict(model="mlp", hidden=2), "y2x10"),
    (dict(model="mlp", hidden=(2, 2), activation=None), "plane2d"),
])
def test_a_new_loss_trains_by_the_formulas_as_by_autograd(toy_losses, name, model, data):
    common = dict(dataset=data, normalize=True, lr=0.01, epochs=3, batch_size=7, loss=name,
                  reduction="sum", **model)
    manual = Session(gradients="manual", **common).run()
    auto = Session(gradients="autograd", **common).run()
    np.testing.assert_allclose(manual.loss, auto.loss, rtol=1e-5)
    np.testing.assert_allclose(manual.theta, auto.theta, rtol=1e-5, atol=1e-6)


def test_a_new_loss_is_the_loss_everywhere(toy_losses):
    s = Session(dataset="y2x10", normalize=True, lr=0.05, epochs=4, loss="absolute",
                batch_size=10, reduction="mean")
    h = s.run()
    cfg = s.config
    errors = np.abs(h.fit(cfg.x, 0).astype(np.float64) - cfg.y)
    assert h.initial_loss == pytest.approx(errors.mean(), rel=1e-6)  # the history
    assert s.losses(h.theta[:1])[0] == pytest.approx(errors.mean(), rel=1e-5)  # the session
    bl = s.batch_loss(1)  # the graph's loss: the first batch's mean |ŷ - y|
    assert bl.loss.item() == pytest.approx(h.loss[0], rel=1e-6)
    assert bl.loss.item() == pytest.approx(errors[:10].mean(), rel=1e-5)
    from gdwidgets.views.torch_graphs.graph import session_graph
    assert "abs" in session_graph(s).svg()
    # the step loop's hot path (design model, manual, one run): a loss linear in its slope
    half = Session(dataset="y2x10", normalize=True, lr=0.1, epochs=4, loss="half").run()
    squared = Session(dataset="y2x10", normalize=True, lr=0.05, epochs=4).run()
    np.testing.assert_allclose(half.theta, squared.theta, rtol=1e-6)  # half the loss, twice the lr
    np.testing.assert_allclose(2 * half.loss, squared.loss, rtol=1e-6)


def test_the_loss_setting_is_checked(toy_losses):
    with pytest.raises(ValueError, match="loss must be one of 'squared', 'absolute', 'half', "
                                         "got 'hinge'"):
        Session(loss="hinge")
