"""Widgets built with one learning rate per parameter (issue #23): seed 003's rates in
RegressionWidget and ChainRuleWidget; the lr slider is off and shows them."""

from __future__ import annotations

import numpy as np
import pytest

from gdwidgets import (
    BackpropWidget,
    ChainRuleWidget,
    LearningRateWidget,
    RegressionWidget,
    set_language,
)
from gdwidgets.training import Session

SEED_003 = {"w": 1e-4, "b": 1e-3}
CHAIN_003 = {"a1": 1e-4, "b1": 1e-3, "a2": 1e-4, "b2": 1e-3}


def test_regression_widget_trains_with_the_rates_and_shows_them():
    w = RegressionWidget(dataset="y2x10", lr=SEED_003, epochs=100, batch_size=5,
                         init={"w": 20, "b": 30})
    same = Session(dataset="y2x10", lr=SEED_003, epochs=100, batch_size=5,
                   init={"w": 20, "b": 30}).run()
    assert w.session.config.lr == SEED_003
    np.testing.assert_array_equal(w.history.theta, same.theta)
    assert w.lr.disabled and not w.lr.readout
    shown = w.children[1].children[0]  # the slider's place in the row: slider + rates
    assert w.lr in shown.children and ">w 0.0001<" in shown.children[1].value
    assert "one per parameter" in shown.children[1].value
    assert "the lr slider is off" in w.lr.tooltip
    # other controls retrain with the same rates
    w.epochs.value = 50
    assert w.session.config.lr == SEED_003 and len(w.history) == 50 * w.history.steps_per_epoch


def test_the_fixed_rates_refuse_a_new_lr_with_a_message():
    w = RegressionWidget(dataset="y2x10", lr=SEED_003, epochs=20)
    history, slider = w.history, w.lr.value
    w.lr = 0.05
    assert "lr is fixed per parameter (w 0.0001 · b 0.001)" in w.banner.value
    assert "build a new one with lr=0.05" in w.banner.value
    assert w.history is history and w.lr.value == slider
    assert w.configure(lr=0.05) is False and w.history is history
    set_language("zh")
    try:
        z = RegressionWidget(dataset="y2x10", lr=SEED_003, epochs=20)
        z.lr = 0.05
        assert "这个控件的学习率按参数固定" in z.banner.value
        assert "每个参数一个" in z.children[1].children[0].children[1].value
    finally:
        set_language("en")


def test_a_mapping_is_given_when_the_widget_is_built():
    w = RegressionWidget(dataset="y2x10", epochs=20)
    history = w.history
    w.lr = {"w": 1e-3, "b": 1e-2}
    assert "one lr per parameter is given when the widget is built" in w.banner.value
    assert w.history is history and not w.lr.disabled


@pytest.mark.parametrize("lr, words", [
    ({"w": 1e-4, "c": 1.0}, "lr has no parameter 'c': model 'linear' has w/a, b"),
    ({"w": -1, "b": 1e-3}, "lr['w'] must be a finite number > 0, got -1"),
    ({"w": 1e-4}, "lr gives no rate for b: give one for every parameter of model 'linear'"),
])
def test_regression_widget_checks_the_rates_by_name(lr, words):
    with pytest.raises(ValueError) as e:
        RegressionWidget(dataset="y2x10", lr=lr)
    assert words in str(e.value)


def test_chain_rule_widget_takes_seed_003s_own_update():
    w = ChainRuleWidget(lr=CHAIN_003)
    same = Session(dataset="y2x10", model="two_layer", lr=CHAIN_003, epochs=20,
                   batch_size=5, seed=w._seed, normalize=w._normalize).run()
    np.testing.assert_array_equal(w.history.theta, same.theta)
    assert w.lr.disabled
    rates = w.children[0].children[1].children[1].value
    assert all(f">{p}<" in rates for p in ("a1 0.0001", "b1 0.001", "a2 0.0001", "b2 0.001"))
    with pytest.raises(ValueError, match="lr has no parameter 'w'"):
        ChainRuleWidget(lr=SEED_003)


@pytest.mark.parametrize("cls", [LearningRateWidget, BackpropWidget])
def test_widgets_of_one_rate_refuse_a_mapping(cls):
    with pytest.raises(ValueError, match="lr must be a number between"):
        cls(lr=SEED_003)
