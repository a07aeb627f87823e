"""One definition of every setting: what derives from it agrees with it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from gdwidgets import ChainRuleWidget, LearningRateWidget, RegressionWidget, Session
from gdwidgets.settings import SETTINGS, defaults, here, markdown_table
from gdwidgets.training.config import Config

WIDGETS = {RegressionWidget: "regression", LearningRateWidget: "learning_rate",
           ChainRuleWidget: "chain_rule"}


def test_session_signature_and_config_fields_come_from_the_definition():
    names = list(here("session"))
    assert list(inspect.signature(Session).parameters) == names
    assert [f.name for f in fields(Config) if f.repr] == names
    config = Session().config
    assert config.settings() == {**defaults("session"), "gradients": "manual",
                                 "dataset": "line200"}


@pytest.mark.parametrize("cls", list(WIDGETS))
def test_widget_signatures_and_docs_come_from_the_definition(cls):
    place = WIDGETS[cls]
    params = inspect.signature(cls).parameters
    assert list(params)[:-1] == list(here(place)) and list(params)[-1] == "kwargs"
    assert all(p.kind is p.KEYWORD_ONLY for p in list(params.values())[:-1])
    doc = inspect.getdoc(cls)
    for name, s in here(place).items():
        assert f"{name} : {s.type}, default {s.default!r}" in doc


def test_a_default_that_differs_by_place_is_said_in_the_table():
    table = {line.split("|")[1].strip(" `"): line for line in markdown_table().splitlines()}
    said = 0
    for name, s in SETTINGS.items():
        for place, changes in s.per.items():
            if "default" in changes and changes["default"] != s.default:
                short = {"regression": "Regression", "learning_rate": "LearningRate",
                         "chain_rule": "ChainRule", "backprop": "Backprop",
                         "matrix_backprop": "MatrixBackprop"}[place]
                assert f"{short}: `{changes['default']!r}`" in table[name], (name, place)
                said += 1
    assert said >= 8  # dataset ×4, model, lr ×4, epochs, batch_size, normalize


def test_settings_page_table_is_current():
    page = (Path(__file__).parent.parent / "docs" / "settings.md").read_text(encoding="utf-8")
    assert markdown_table() in page


def test_widgets_do_not_import_torch():
    code = ("import sys, gdwidgets.widgets.chain_rule, gdwidgets.widgets.learning_rate, "
            "gdwidgets.widgets.regression; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_fixed_settings_cannot_be_set_silently():
    w = ChainRuleWidget(epochs=1)
    with pytest.raises(AttributeError, match="seed is fixed"):
        w.seed = 3
