"""One definition of every setting: what derives from it agrees with it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from gdwidgets import ChainRuleWidget, LearningRateWidget, RegressionWidget, Session
from gdwidgets.training.config import Config
from gdwidgets.training.settings import SETTINGS, defaults, here, markdown_table

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


def test_the_same_name_has_the_same_default_unless_the_docs_say_why():
    for name, s in SETTINGS.items():
        for place, changes in s.per.items():
            if "default" in changes and changes["default"] != s.default:
                assert place.split("_")[0].lower() in s.doc[0].lower() or \
                    "widgets" in s.doc[0].lower(), (name, place)


def test_readme_table_is_current():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme


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
