"""One word, one meaning (issue #20): ``step`` is updates done, ``lr_range`` holds learning
rates, messages use the caller's words, one name per parameter, ``help()`` per widget."""

from __future__ import annotations

import inspect
import pydoc
import re

import numpy as np
import pytest
import torch

from gdwidgets import (
    ChainRuleWidget,
    LearningRateWidget,
    MatrixBackpropWidget,
    RegressionWidget,
)
from gdwidgets.autograd import Linear
from gdwidgets.i18n import set_language
from gdwidgets.settings import defaults
from gdwidgets.training import Session, lr_sweep
from gdwidgets.views.torch_graphs.graph import session_graph
from gdwidgets.widgets import BackpropWidget

WIDGETS = {"RegressionWidget": RegressionWidget, "LearningRateWidget": LearningRateWidget,
           "ChainRuleWidget": ChainRuleWidget, "BackpropWidget": BackpropWidget,
           "MatrixBackpropWidget": MatrixBackpropWidget}


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


# ----- 1. step is updates done; an update's number is `update` ------------------------------
def test_batch_loss_of_update_k_is_the_loss_whose_gradient_made_it():
    s = Session(dataset="line200", lr=0.05, batch_size=50, epochs=2, gradients="autograd")
    h = s.run()
    for k in (1, 3, 8):
        bl = s.batch_loss(update=k)
        bl.loss.backward()
        grad = np.concatenate([bl.params[n].grad.reshape(-1).numpy() for n in ("w", "b")])
        np.testing.assert_allclose(h.theta[k], h.theta[k - 1] - 0.05 * grad, rtol=1e-5,
                                   atol=1e-6)
        assert h.epoch_of(k) == (k - 1) // 4 + 1  # 4 updates an epoch


def test_the_old_step_keywords_are_refused_with_the_new_name():
    s = Session(epochs=3)
    s.run()
    for call, where in ((lambda: s.batch_loss(step=1), "Session.batch_loss"),
                        (lambda: s.history.batch(step=1), "History.batch"),
                        (lambda: session_graph(s, step=1), "session_graph")):
        with pytest.raises(TypeError, match=rf"^{re.escape(where)}\(\) has no keyword 'step' "
                           r"any more: it is 'update' now"):
            call()
    with pytest.raises(IndexError, match=r"^update must be between 1 and 3 \(the run's "
                       r"updates\), got 0$"):
        s.batch_loss(0)
    assert list(inspect.signature(Session.batch_loss).parameters)[1] == "update"


# ----- 2. lr_range holds learning rates -----------------------------------------------------
def test_lr_range_takes_learning_rates_and_the_slider_reads_them():
    w = LearningRateWidget(lr_range=(0.001, 0.1), lr=0.01, sweep_size=8, epochs=20)
    assert w.sweep.lrs[0] == pytest.approx(0.001) and w.sweep.lrs[-1] == pytest.approx(0.1)
    assert w.lr_range.value == (0.001, 0.1) and w.lr_range.label == ("0.001", "0.1")
    w.lr_range = (0.002, 0.05)  # not on the slider's grid: one more stop each
    assert w.lr_range.value == (0.002, 0.05)
    assert w.sweep.lrs[0] == pytest.approx(0.002) and w.sweep.lrs[-1] == pytest.approx(0.05)
    assert 10 ** w.lr.min == pytest.approx(0.002) and 10 ** w.lr.max == pytest.approx(0.05)


def test_an_old_log10_lr_range_is_refused_with_the_new_form():
    with pytest.raises(ValueError, match=r"^lr_range must be two learning rates \(low, high\)"
                       r".* got \(-4\.0, -1\.0\) \(learning rates, not their log10: \(-4, -1\) "
                       r"is now written \(1e-4, 0\.1\)\)$"):
        LearningRateWidget(lr_range=(-4.0, -1.0))
    assert defaults("learning_rate")["lr_range"] == (1e-4, 0.1)


# ----- 3. messages in the caller's words; notes only where true -------------------------------
DIVERGES = dict(dataset="thermometer", lr=1e-3, epochs=50)


def test_session_advice_uses_setting_names():
    h = Session(**DIVERGES).run()
    assert h.advice["normalize"]
    assert "normalize=True (checked: this lr then converges)" in h.message
    assert "standardised" not in h.message and "→" not in h.message
    h = Session(dataset="line200", lr=5.0, zero_grad=False).run()
    assert h.diverged and "or zero_grad=True (the gradients are piling up)." in h.message


def test_widget_banner_uses_the_controls_words():
    w = RegressionWidget(dataset="thermometer", lr=1e-3, epochs=50, graph=False)
    assert "choosing inputs → standardised (checked: this lr then converges)" in w.banner.value
    assert "normalize=True" not in w.banner.value
    w = RegressionWidget(dataset="line200", lr=5.0, zero_grad=False, graph=False)
    assert "or ticking “zero_grad each step” (the gradients are piling up)" in w.banner.value
    set_language("zh")
    w = RegressionWidget(dataset="thermometer", lr=1e-3, epochs=50, graph=False)
    assert "把“输入处理”选为“标准化”（已验证：这个学习率随之收敛）" in w.banner.value


def test_the_shuffle_note_only_where_shuffling_changes_the_batches():
    note = "Shuffling puts different points together"
    assert note not in Session(shuffle=True, epochs=5).run().message  # one update an epoch
    assert note in Session(shuffle=True, batch_size=50, epochs=5).run().message


# ----- 4. one name per parameter ------------------------------------------------------------
def test_linear_takes_starting_values_and_says_them():
    m = Linear(a=2.0, b=-1.0)
    assert (m.a.value, m.b.value) == (2.0, -1.0) and m.forward(3.0).value == 5.0
    assert Linear().a.value == 0.0
    with pytest.raises(ValueError, match=r"^Linear's a must be a finite number, got nan$"):
        Linear(a=float("nan"))
    text = pydoc.render_doc(Linear, renderer=pydoc.plaintext)
    assert "a : float" in text and "b : float" in text


def test_session_takes_the_engines_name_for_the_slope():
    by_a = Session(init={"a": 2.0, "b": 1.0}, epochs=5).run()
    by_w = Session(init={"w": 2.0, "b": 1.0}, epochs=5).run()
    np.testing.assert_array_equal(by_a.theta, by_w.theta)
    assert float(by_a.theta[0][0]) == 2.0
    with pytest.raises(ValueError, match=r"^init gives both 'a' and 'w': they are one "
                       r"parameter of model 'linear'"):
        Session(init={"a": 1.0, "w": 2.0})
    with pytest.raises(ValueError, match=r"model 'polynomial' has "):
        Session(model="polynomial", init={"a": 1.0})  # the mapping is the line's only


# ----- 5. help answers what users ask -------------------------------------------------------
@pytest.mark.parametrize("name", list(WIDGETS))
def test_each_widgets_help_shows_its_own_settings_only(name):
    doc = WIDGETS[name].__doc__
    params = doc[doc.index("Parameters\n"):]
    others = [n for n in WIDGETS if n != name]
    assert not any(n in params for n in others), params
    own = set(inspect.signature(WIDGETS[name]).parameters) - {"kwargs"}
    documented = set(re.findall(r"^(\w+) : ", params, flags=re.M))
    assert documented == own
    if name != "ChainRuleWidget":
        assert "``hidden``" not in params  # no widget has that setting


def test_optimizer_and_dataset_help_say_what_is_taken():
    doc = Session.__doc__
    assert "momentum=0.9" in doc and "betas=(0.9, 0.999)" in doc and "eps=1e-08" in doc
    dataset = inspect.signature(Session).parameters["dataset"].annotation
    assert dataset == "str | tuple[ArrayLike, ArrayLike] | Dataset"
    from gdwidgets.training import optimizers

    assert optimizers.BETA1 == 0.9 and optimizers.BETA2 == 0.999  # the one definition
    assert torch.optim.Adam([torch.zeros(1)]).defaults["betas"] == (0.9, 0.999)


def test_lr_sweep_is_keyword_only_with_the_definitions_defaults():
    sig = inspect.signature(lr_sweep)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in sig.parameters.values())
    assert {n: p.default for n, p in sig.parameters.items()} == defaults("sweep")
    with pytest.raises(TypeError, match=r"^lr_sweep takes its settings by keyword, got 1 "
                       r"positional"):
        lr_sweep("line200")
    r = lr_sweep(lrs=[0.01], epochs=5)
    s = Session(lr=0.01, epochs=5).run()
    assert r.final_loss[0] == pytest.approx(s.final_loss, rel=1e-5)


def test_configure_names_an_unknown_setting_in_the_widgets_language():
    w = RegressionWidget(graph=False, epochs=5)
    with pytest.raises(TypeError, match=r"^configure\(\) has no setting 'learning_rate'; "
                       r"its settings are dataset, model, lr, "):
        w.configure(learning_rate=0.1)
    set_language("zh")
    with pytest.raises(TypeError, match=r"^configure\(\) 没有设置 'hidden'"):
        RegressionWidget(graph=False, epochs=5).configure(hidden=3)
