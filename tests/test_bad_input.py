"""No silent input: every bad constructor argument, live assignment and oversized job of
the lesson widgets, ``Session`` and ``lr_sweep`` is refused with a message that names the
setting and what is allowed, before any work (table-driven: add rows to extend it).

A row is ``(factory, kwargs, words)``: calling ``factory(**kwargs)`` must raise
``ValueError`` (``TypeError`` for unknown names) whose message contains every word of
``words`` (the setting's name first). Live rows are ``(factory, name, value, words)``:
``w.<name> = value`` on a built widget must show the red banner with ``words`` and leave
the control, its value and the picture as they were.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gdwidgets import (
    BackpropWidget,
    ChainRuleWidget,
    LearningRateWidget,
    Linear,
    MatrixBackpropWidget,
    RegressionWidget,
    Scalar,
    Session,
    draw_graph,
    lr_sweep,
    mse,
)
from gdwidgets.i18n import set_language

NAN, INF = math.nan, math.inf


# Small runs, so a row that is (wrongly) accepted costs little. Keyword arguments of a row
# override these.
def regression(**kwargs: Any) -> Any:
    return RegressionWidget(**{"graph": False, "epochs": 5, **kwargs})


def learning_rate(**kwargs: Any) -> Any:
    return LearningRateWidget(**{"epochs": 5, "sweep_size": 8, "curves": 2, **kwargs})


def chain_rule(**kwargs: Any) -> Any:
    return ChainRuleWidget(**{"epochs": 1, **kwargs})


def matrix(**kwargs: Any) -> Any:
    return MatrixBackpropWidget(**{"epochs": 1, **kwargs})


def backprop(**kwargs: Any) -> Any:
    return BackpropWidget(**kwargs)


def _big_loss(n: int = 20_000) -> Any:
    m = Linear()
    return mse([m.error(Scalar(i / n, requires_grad=False), Scalar(1.0, requires_grad=False))
                for i in range(n)])


BIG = _big_loss()


def draw(**kwargs: Any) -> Any:
    """``draw_graph`` of a 100,003-node loss (collapsed by default)."""
    return draw_graph(BIG, **kwargs)


def session(**kwargs: Any) -> Any:
    return Session(**kwargs)


def sweep(**kwargs: Any) -> Any:
    return lr_sweep(**{"lrs": [0.01], "epochs": 5, **kwargs})


Row = tuple[Callable[..., Any], dict[str, Any], tuple[str, ...]]

# ----- bad values of each kind: (value, what the message must say besides the name) ------
POSITIVE = [NAN, INF, -INF, -1, 0, True, "0.1", None, [0.1]]  # lr: a number > 0
COUNT = [0, -1, 2.5, NAN, True, "10", None]  # a whole number >= 1
CHOICE = ["nonsense", None, 3, True, ""]
FLAG = [1, "no", None, 0.5]
NORMALIZE = ["yes", NAN, INF, 0, 1.0, 1, None, [1]]
SEED = [-1, 1.5, True, "0", None, 2**64]
DEGREE = [0, 11, 2.5, True, None, "2"]


def _rows(factory: Callable[..., Any], name: str, values: list[Any], *words: str
          ) -> list[Row]:
    return [(factory, {name: v}, (name, *words)) for v in values]


ROWS: list[Row] = []
for _f in (regression, learning_rate, chain_rule, matrix):
    ROWS += _rows(_f, "dataset", ["mnist", None, 42, True, ""], "linear15")
    ROWS += _rows(_f, "lr", [*POSITIVE, 1e9], "between")
    ROWS += _rows(_f, "epochs", [*COUNT, 10**9], "between")
    ROWS += _rows(_f, "normalize", NORMALIZE, "True")
    ROWS += _rows(_f, "seed", SEED, ">= 0")
    ROWS.append((_f, {"learning_rate": 0.1}, ("learning_rate", "lr")))  # unknown names
    ROWS.append((_f, {"lrs": (-4.0, -1.0)}, ("lrs",)))
for _f in (regression, learning_rate):
    ROWS += _rows(_f, "model", CHOICE, "linear")
for _f in (regression, chain_rule, matrix):
    ROWS += _rows(_f, "batch_size", [0, -1, 10**9, 2.5, True, "5", NAN], "between")
for _f in (regression, matrix):
    ROWS += _rows(_f, "optimizer", CHOICE, "sgd")
ROWS += _rows(regression, "degree", DEGREE, "between")
ROWS += _rows(regression, "zero_grad", FLAG, "True or False")
ROWS += _rows(regression, "shuffle", FLAG, "True or False")
ROWS += _rows(regression, "graph", FLAG, "True or False")
ROWS += _rows(regression, "init", ["zeros", INF, {"q": 1.0}], "init")
ROWS += _rows(chain_rule, "step", [-1, 10**9, 2.5, None, True, "1", NAN], "between")
ROWS += _rows(chain_rule, "model", ["linear", "mlp", None], "two_layer")
ROWS += _rows(matrix, "step", [-1, 10**9, 2.5, None, True, "1", NAN], "between")
ROWS += _rows(matrix, "hidden", [0, -1, 2.5, "2", (), (2, 0), (2, 2.5), (2,) * 5, None],
              "hidden")
ROWS += _rows(matrix, "check_loss", ["sum", None, 1, True], "mse")
ROWS.append((matrix, {"model": "linear"}, ("model",)))  # not a setting here
ROWS.append((matrix, {"activation": "relu"}, ("activation",)))
ROWS += _rows(learning_rate, "lr_range", [(0.1, 1e-4), (NAN, 0.1), (1e-4,), "(1e-4, 0.1)",
                                          None, (1e-20, 0.1), (1e-4, 1e5), True,
                                          (1e-4, INF), (-4.0, -1.0)], "between")
ROWS += _rows(learning_rate, "curves", [0, -1, 2.5, True, None, 10**5, 10**12], "between")
ROWS += _rows(learning_rate, "sweep_size", [0, -1, 2.5, True, None, 10**9, 10**5],
              "between")
# a lr outside the sweep's range
ROWS.append((learning_rate, {"lr": 1.0, "lr_range": (1e-4, 0.1)}, ("lr", "lr_range")))
ROWS += _rows(backprop, "lr", [*POSITIVE, 1e9, 1e-4], "between")
ROWS += _rows(backprop, "points", [*COUNT, 1, 201, 10**6], "between")
ROWS += _rows(backprop, "mode", CHOICE, "plain")
ROWS += _rows(backprop, "micro_batches", [*COUNT, 11, 10**6], "between")
ROWS.append((backprop, {"step": 3}, ("step", "points")))  # unknown names
ROWS.append((backprop, {"history": []}, ("history",)))
# Session and lr_sweep: the limits (no unbounded work), each message says what to do
ROWS.append((session, {"epochs": 10**6}, ("epochs", "between")))
ROWS.append((sweep, {"lrs": np.logspace(-4, -1, 4096), "epochs": 100_000},
             ("epochs", "fewer")))
ROWS.append((sweep, {"lrs": np.logspace(-4, -1, 5000)}, ("lrs", "4096")))
ROWS.append((sweep, {"lrs": [0.1, NAN]}, ("lrs",)))
ROWS.append((sweep, {"epochs": 0}, ("epochs", "between")))
ROWS.append((sweep, {"model": "cnn"}, ("model", "linear")))
ROWS.append((sweep, {"learning_rate": 1}, ("learning_rate",)))
# draw_graph: the layout limit (full=True on 100,003 nodes froze the kernel) and its inputs
ROWS.append((draw, {"full": True}, ("full", "max_nodes", "3000")))
ROWS += _rows(draw, "max_nodes", [-1, 2.5, None, True], "0")
ROWS += _rows(draw, "full", ["yes", 1, None])
ROWS += _rows(draw, "keep", [0, 1.5, None])
ROWS += _rows(draw, "mode", ["sideways", None], "forward")
ROWS.append((draw, {"mode": "backward", "backward_step": -1}, ("backward_step", "between")))
ROWS.append((draw, {"mode": "forward", "backward_step": 0}, ("backward_step", "mode")))

# ----- a teacher's own data: every problem has its own message with the row --------------
X6 = np.arange(6.0)
BAD_DATA = [
    ((X6, X6[:4]), ("x has 6 points but y has 4",)),
    ((np.array([1.0, 2.0, NAN, 4.0]), np.ones(4)), ("x has NaN at row 2",)),
    ((np.ones(4), np.array([1.0, INF, 2.0, 3.0])), ("y has inf at row 1",)),
    ((np.ones((4, 2)) * [[1.0, NAN]], np.ones(4)), ("x has NaN at row 0, column 1",)),
    (([1.0, None, 3.0], [1.0, 2.0, 3.0]), ("x has a missing value (None) at row 1",)),
    (([1, "2.5", 3], [1, 2, 3]), ("x holds text ('2.5' at row 1)",)),
    (([1.0, 2.0], [1 + 2j, 2.0]), ("y holds complex numbers ((1+2j) at row 0)",)),
    (([True, False, True], [1.0, 2.0, 3.0]), ("x holds True/False values",)),
    (([1.0, 2.0, 1e39], [1.0, 2.0, 3.0]), ("x has 1e+39 at row 2, beyond float32",)),
    ((np.ones(3), np.ones((3, 2))), ("y must be of shape (n,) or (n, 1)",)),
    ((np.ones((3, 2, 2)), np.ones(3)), ("x must be of shape (n,) or (n, d)",)),
    (([1.0], [2.0]), ("x and y need at least 2 points, got 1",)),
    ((X6, X6, X6), ("dataset as arrays must be a pair (x, y)",)),
    ((None, X6), ("x is None",)),
]
for _f in (session, sweep, regression, learning_rate, chain_rule, backprop, matrix):
    ROWS += [(_f, {"dataset": d}, words) for d, words in BAD_DATA]
# constant inputs cannot be standardised (a zero spread)
ROWS.append((session, {"dataset": (np.full(5, 3.0), X6[:5]), "normalize": True},
             ("x is constant", "every value is 3", "normalize=False")))
ROWS.append((regression, {"dataset": (np.full(5, 3.0), X6[:5]), "normalize": True},
             ("x is constant",)))
ROWS.append((session, {"dataset": (np.column_stack([X6, np.ones(6)]), X6), "normalize": True},
             ("x (column 1) is constant",)))
# one-input widgets refuse more inputs, with the reason
ROWS.append((chain_rule, {"dataset": "plane2d"}, ("ChainRuleWidget draws one input",)))
ROWS.append((backprop, {"dataset": "plane2d"}, ("BackpropWidget fits y = a·x + b to one",)))
ROWS.append((backprop, {"dataset": (np.arange(201.0), np.arange(201.0))},
             ("at most 200 points, got 201",)))

# ----- live assignments: (factory, name, value, words) -----------------------------------
LIVE: list[tuple[Callable[..., Any], str, Any, tuple[str, ...]]] = []
for _f in (regression, learning_rate, chain_rule, matrix):
    LIVE += [(_f, "lr", v, ("lr", "between")) for v in (1e9, -1, NAN, "fast", None, True)]
    LIVE += [(_f, "epochs", v, ("epochs", "between")) for v in (0, 10**9, 2.5)]
    LIVE += [(_f, "dataset", "mnist", ("dataset", "linear15"))]
for _f in (regression, learning_rate):
    LIVE += [(_f, "model", "cnn", ("model", "linear"))]
for _f in (regression, chain_rule, matrix):
    LIVE += [(_f, "batch_size", v, ("batch_size", "between")) for v in (0, 10**6)]
LIVE += [(regression, "normalize", "yes", ("normalize", "True"))]
LIVE += [(regression, "optimizer", "rmsprop", ("optimizer", "sgd"))]
LIVE += [(chain_rule, "step", v, ("step", "between")) for v in (-1, 10**9)]
LIVE += [(matrix, "step", v, ("step", "between")) for v in (-1, 10**9)]
LIVE += [(matrix, "check_loss", v, ("check_loss", "mse")) for v in ("sum", None)]
LIVE += [(backprop, "lr", v, ("lr", "between")) for v in (1e9, 0, -1, NAN, "fast", None)]
LIVE += [(backprop, "points", v, ("points", "between")) for v in (1, 201, 2.5)]
LIVE += [(backprop, "micro_batches", v, ("micro_batches", "between")) for v in (0, 10**6)]
LIVE += [(backprop, "mode", "nonsense", ("mode", "plain"))]
LIVE += [(backprop, "view", "sideways", ("view", "forward"))]
LIVE += [(learning_rate, "lr_range", v, ("lr_range", "between"))
         for v in ((0.1, 1e-4), (1e-20, 0.1), (-4.0, -1.0))]


def _ids(rows: list[Any]) -> list[str]:
    return [f"{r[0].__name__}-{r[1] if isinstance(r[1], str) else list(r[1])[0]}-{i}"
            for i, r in enumerate(rows)]


def refusal(factory: Callable[..., Any], kwargs: dict[str, Any]) -> str | None:
    """The message of the ValueError/TypeError ``factory(**kwargs)`` raises; None if it
    was accepted (or failed another way)."""
    try:
        factory(**kwargs)
    except (ValueError, TypeError) as e:
        return str(e)
    except Exception:  # noqa: BLE001 - e.g. a TraitError: not a refusal naming the setting
        return None
    return None


def says(message: str | None, words: tuple[str, ...]) -> bool:
    """Whether ``message`` names the setting (as a word) and contains the other words
    (a data row's words are the whole message's start or a part of it)."""
    if message is None:
        return False
    name, *rest = words
    if " " in name:
        return name in message and all(w in message for w in rest)
    return bool(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message)) and all(
        w in message for w in rest)


@pytest.mark.parametrize(("factory", "kwargs", "words"), ROWS, ids=_ids(ROWS))
def test_bad_constructor_input_is_refused_by_name(factory, kwargs, words):
    message = refusal(factory, kwargs)
    assert message is not None, f"{factory.__name__}(**{kwargs!r}) was not refused"
    assert says(message, words), message
    assert "Traceback" not in message and "torch" not in message


_built: dict[Callable[..., Any], Any] = {}


def _widget(factory: Callable[..., Any]) -> Any:
    if factory not in _built:
        _built[factory] = factory()
    return _built[factory]


def live_refusal(factory: Callable[..., Any], name: str, value: Any
                 ) -> tuple[str | None, bool]:
    """(the banner's text if the assignment was refused, else None; whether the control,
    its value and the picture stayed as they were)."""
    set_language("en")
    w = _widget(factory)
    control = getattr(w, name)
    before, picture = control.value, w.image.value
    try:
        setattr(w, name, value)
    except Exception:  # noqa: BLE001 - raising is not the banner, but not silent
        return None, False
    kept = getattr(w, name) is control and control.value == before and w.image.value == picture
    banner = w.banner.value
    refused = "Cannot use this setting" in banner
    if getattr(w, name) is not control:  # the old code replaced the control: put it back
        object.__setattr__(w, name, control)
    return (banner if refused else None), kept


@pytest.mark.parametrize(("factory", "name", "value", "words"), LIVE,
                         ids=[f"{r[0].__name__}-{r[1]}-{i}" for i, r in enumerate(LIVE)])
def test_bad_live_assignment_shows_the_banner_and_keeps_everything(factory, name, value,
                                                                   words):
    banner, kept = live_refusal(factory, name, value)
    assert banner is not None and says(banner, words), banner
    assert kept


def test_good_live_assignment_sets_the_slider_and_retrains():
    w = _widget(regression)
    slider = w.lr
    w.lr = 0.05
    assert w.lr is slider and w.lr.value == pytest.approx(0.05)
    assert w.history.config.lr == pytest.approx(0.05)
    w.lr = 0.01
    assert w.history.config.lr == pytest.approx(0.01)


def test_messages_follow_the_widgets_language():
    set_language("zh")
    try:
        w = chain_rule()
        message = refusal(chain_rule, {"lr": -1})
    finally:
        set_language("en")
    assert message is not None and "lr" in message and "之间" in message
    w.lr = 1e9  # built in Chinese: the banner stays Chinese
    assert "无法使用这个设置" in w.banner.value and "lr" in w.banner.value


def test_live_batch_size_none_means_the_full_batch_as_in_the_constructor():
    w = _widget(regression)
    w.batch_size = 5
    assert w.history.config.batch_size == 5
    w.batch_size = None
    assert w.batch_size.value == w.batch_size.max == w.history.config.n
    assert "Cannot use" not in w.banner.value


@pytest.mark.parametrize("factory", [regression, learning_rate, chain_rule])
def test_a_refused_change_puts_the_control_back(factory):
    """The picture, the controls and ``w.history`` always describe the same run: a change
    through the control itself (as a click) that cannot be taken is undone, and said."""
    w = factory()
    history, picture = w.history, w.image.value
    old = w.lr.value
    if factory is chain_rule:  # 50 points: a batch of 51 cannot be
        control, value, back = w.batch_size, 51, "batch_size is back at 5"
    else:  # two inputs: the polynomial (regression) or two_layer (sweep) takes one
        w.model.value = "polynomial" if factory is regression else "two_layer"
        history, picture = w.history, w.image.value
        control, value, back = w.dataset, "plane2d", "dataset is back at linear15"
    before = control.value
    control.value = value
    assert back in w.banner.value and "takes one input" in w.banner.value or (
        factory is chain_rule and back in w.banner.value)
    assert control.value == before and w.history is history and w.image.value == picture
    w.lr = old * 2  # and every later change goes through
    assert "Cannot use" not in w.banner.value and w.history is not history


@pytest.mark.parametrize("factory", [regression, learning_rate, chain_rule, backprop])
def test_a_typo_in_a_setting_name_raises_naming_the_closest(factory):
    w = _widget(factory)
    with pytest.raises(AttributeError, match=r"has no setting or attribute 'learning_rate'; "
                                             r"did you mean 'lr'"):
        w.learning_rate = 0.5
    assert not hasattr(w, "learning_rate")
    w._scratch = 1  # private names and the box's own traits work as before
    w.layout.width = "99%"
    assert w._scratch == 1
