"""Every setting of gdwidgets, defined once: its name, default, allowed values and a
description in both languages.

``Session``'s signature, ``Config``'s fields, the widgets' constructors and controls, their
docstrings and the README's settings table are all derived from :data:`SETTINGS`. A
setting can differ per *place* (``'session'``, ``'sweep'`` or a widget: ``'regression'``,
``'learning_rate'``, ``'chain_rule'``, ``'backprop'``): another default or range there,
given in ``per`` (and said in the description).

:func:`check` validates one value and raises ``ValueError`` naming the setting and what
is allowed, in the current language. No torch here: widgets check their input with it
before any training.
"""

from __future__ import annotations

import functools
import math
import numbers
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..data import as_dataset
from ..i18n import get_language, register, tr

__all__ = ["SETTINGS", "Setting", "check", "defaults", "docstring", "here", "markdown_table",
           "signature"]

MODELS = ("linear", "polynomial", "two_layer", "mlp")
MANUAL = ("linear", "polynomial", "two_layer")  # models with analytic gradient formulas
OPTIMIZERS = ("sgd", "momentum", "adam")
GRADIENTS = ("autograd", "manual")
MODES = ("plain", "accumulate", "bloat")
MAX_DEGREE = 10
MAX_HIDDEN = 64
MAX_EPOCHS = 100_000
MAX_STEPS = 1_000_000  # every step is recorded; this bounds the history's memory
MAX_LRS = 4096
MAX_SEED = 2**63 - 1
WIDGETS = ("regression", "learning_rate", "chain_rule", "backprop")
PLACES = ("session", "sweep", *WIDGETS)

register({
    "config.lr": (
        "{name} must be a finite number > 0, got {value}",
        "{name} 必须是大于 0 的有限数，得到的是 {value}",
    ),
    "config.int_range": (
        "{name} must be an integer between {lo} and {hi}, got {value}",
        "{name} 必须是 {lo} 到 {hi} 之间的整数，得到的是 {value}",
    ),
    "config.choice": (
        "{name} must be one of {allowed}, got {value}",
        "{name} 必须是 {allowed} 之一，得到的是 {value}",
    ),
    "config.bool": (
        "{name} must be True or False, got {value}",
        "{name} 必须是 True 或 False，得到的是 {value}",
    ),
    "config.normalize": (
        "normalize must be False, True (standardise inputs) or a finite number other "
        "than 0 and 1 to multiply inputs by (1 would leave them raw: use False), got "
        "{value}",
        "normalize 必须是 False、True（标准化输入）或一个不等于 0 和 1 的有限数（输入乘以它；"
        "乘以 1 就是原始输入：请用 False），得到的是 {value}",
    ),
    "config.seed": (
        "seed must be an integer >= 0, got {value}",
        "seed 必须是大于等于 0 的整数，得到的是 {value}",
    ),
    "settings.real_range": (
        "{name} must be a number between {lo:g} and {hi:g}, got {value}",
        "{name} 必须是 {lo:g} 到 {hi:g} 之间的数，得到的是 {value}",
    ),
    "settings.batch_size": (
        "batch_size must be None (full batch) or an integer between 1 and {hi}, got {value}",
        "batch_size 必须是 None（全批量）或 1 到 {hi} 之间的整数，得到的是 {value}",
    ),
    "settings.lr_range": (
        "{name} must be two learning rates (low, high), low < high, both between {lo:g} and "
        "{hi:g}, got {value}{hint}",
        "{name} 必须是两个学习率 (low, high)，low < high，都在 {lo:g} 到 {hi:g} 之间，"
        "得到的是 {value}{hint}",
    ),
    "settings.lr_range_log": (
        " (learning rates, not their log10: (-4, -1) is now written (1e-4, 0.1))",
        "（是学习率本身，不是它的 log10：(-4, -1) 现在写作 (1e-4, 0.1)）",
    ),
    "settings.unknown": (
        "{cls}() has no setting {value}; its settings are {allowed}",
        "{cls}() 没有设置 {value}；它的设置是 {allowed}",
    ),
})


@dataclass(frozen=True)
class Setting:
    """One setting: what it is called, what it may be, and what it means.

    ``kind``: 'real' (a number in ``lo``..``hi``; ``lo`` excluded when it is 0),
    'int' (an integer in ``lo``..``hi``), 'choice' (one of ``allowed``), 'flag' (a bool),
    'batch' (None or an integer >= 1), 'normalize', 'dataset', 'init', 'lr_range'
    (two learning rates, low < high), 'lrs' (learning rates) or 'gradients' (None or a
    choice).
    """

    name: str
    default: Any
    kind: str
    doc: tuple[str, str]  # (English, Chinese)
    places: tuple[str, ...] = ("session",)
    lo: float | None = None
    hi: float | None = None
    allowed: tuple[Any, ...] = ()
    type: str = "Any"
    per: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def at(self, place: str) -> Setting:
        """This setting as it is in ``place`` (its default and range there)."""
        return replace(self, **self.per.get(place, {}))

    def describe(self) -> str:
        """The description in the current language."""
        return self.doc[get_language() == "zh"]


def _s(name: str, default: Any, kind: str, en: str, zh: str, **more: Any) -> Setting:
    return Setting(name, default, kind, (en, zh), **more)


REG, LRW, CHAIN, BACK = WIDGETS
SETTINGS: dict[str, Setting] = {s.name: s for s in (
    _s("dataset", "line200", "dataset",
       "the data: an embedded set's name (``gdwidgets.datasets.names()``), (x, y) arrays "
       "(lists, numpy, torch, pandas Series), or a ``gdwidgets.Dataset`` (names, units; "
       "a DataFrame through ``Dataset.from_frame``). Widgets: 'linear15'; ChainRuleWidget: "
       "'y2x10' (seed 003), one-input data only; BackpropWidget: None (seed 000's points, "
       "see ``points``), else one input and at most 200 points",
       "数据：内置数据集的名称（``gdwidgets.datasets.names()``）、(x, y) 数组（列表、numpy、"
       "torch、pandas Series）或 ``gdwidgets.Dataset``（带名称和单位；DataFrame 用 "
       "``Dataset.from_frame``）。控件默认 'linear15'；ChainRuleWidget 默认 'y2x10'"
       "（种子 003），只接受单输入数据；BackpropWidget 默认 None（种子 000 的点，见 ``points``），"
       "否则只接受单输入、最多 200 个点", places=("session", "sweep", REG, LRW, CHAIN, BACK),
       type="str | tuple | Dataset",
       per={REG: {"default": "linear15"}, LRW: {"default": "linear15"},
            CHAIN: {"default": "y2x10"}, BACK: {"default": None}}),
    _s("model", "linear", "choice",
       "'linear' (y = w·x + b), 'polynomial' (``degree``), 'two_layer' "
       "(y = a2·(a1·x + b1) + b2, the only model of ChainRuleWidget), 'mlp' (Linear, PReLU, "
       "Linear with ``hidden`` units)",
       "'linear'（y = w·x + b）、'polynomial'（次数见 ``degree``）、'two_layer'"
       "（y = a2·(a1·x + b1) + b2，ChainRuleWidget 只用它）、'mlp'（Linear、PReLU、Linear，"
       "``hidden`` 个隐藏单元）", places=("session", "sweep", REG, LRW, CHAIN),
       allowed=MODELS, type="str",
       per={CHAIN: {"default": "two_layer", "allowed": ("two_layer",)}}),
    _s("lr", 0.1, "real",
       "the learning rate, > 0. Widgets: within the slider (RegressionWidget 1e-5..10, "
       "ChainRuleWidget 1e-5..0.1, seed 003's 1e-3 by default; BackpropWidget 1e-3..10; "
       "LearningRateWidget: within ``lr_range``)",
       "学习率，> 0。控件中须在滑块范围内（RegressionWidget 1e-5..10；ChainRuleWidget "
       "1e-5..0.1，默认种子 003 的 1e-3；BackpropWidget 1e-3..10；LearningRateWidget 须在 "
       "``lr_range`` 内）",
       places=("session", REG, LRW, CHAIN, BACK), lo=0.0, hi=math.inf, type="float",
       per={REG: {"default": 1e-2, "lo": 1e-5, "hi": 10.0},
            LRW: {"default": 1e-2, "lo": 1e-7, "hi": 10.0},
            CHAIN: {"default": 1e-3, "lo": 1e-5, "hi": 0.1},
            BACK: {"default": 0.1, "lo": 1e-3, "hi": 10.0}}),
    _s("epochs", 100, "int",
       "passes over the data (RegressionWidget up to 2000, LearningRateWidget 1000; "
       "ChainRuleWidget 20 by default, up to 200: 20 epochs of 10 batches are 200 steps)",
       "遍历数据的轮数（RegressionWidget 最多 2000，LearningRateWidget 最多 1000；"
       "ChainRuleWidget 默认 20、最多 200：20 轮 × 10 批就是 200 步）",
       places=("session", "sweep", REG, LRW, CHAIN), lo=1, hi=MAX_EPOCHS, type="int",
       per={REG: {"hi": 2000}, LRW: {"hi": 1000}, CHAIN: {"default": 20, "hi": 200}}),
    _s("batch_size", None, "batch",
       "points per update: None for the full batch, else 1..the number of points "
       "(ChainRuleWidget: 5, seed 003's)",
       "每次更新用的点数：None 表示全批量，否则为 1 到数据点数（ChainRuleWidget 默认 5，"
       "与种子 003 相同）", places=("session", "sweep", REG, CHAIN), lo=1, type="int | None",
       per={CHAIN: {"default": 5}}),
    _s("shuffle", False, "flag", "shuffle the points every epoch", "每一轮都打乱数据顺序",
       places=("session", "sweep", REG), type="bool"),
    _s("optimizer", "sgd", "choice", "'sgd', 'momentum' or 'adam'",
       "'sgd'、'momentum' 或 'adam'", places=("session", "sweep", REG), allowed=OPTIMIZERS,
       type="str"),
    _s("gradients", None, "gradients",
       "'manual' (the formulas) or 'autograd'; None: 'manual' when the model has formulas",
       "'manual'（手推公式）或 'autograd'；None：模型有公式时用 'manual'",
       places=("session", "sweep"), allowed=GRADIENTS, type="str | None"),
    _s("normalize", False, "normalize",
       "False: raw inputs; True: standardise them (mean 0, std 1); a number: multiply them "
       "by it (0.1 is seed 001's t_un = 0.1 * t_u). ChainRuleWidget: True, as seed 003 "
       "(its raw x diverges at these learning rates)",
       "False：原始输入；True：标准化（均值 0、标准差 1）；一个数：输入乘以它（0.1 即种子 001 "
       "的 t_un = 0.1 * t_u）。ChainRuleWidget 默认 True，与种子 003 相同（原始 x 在这些学习率下"
       "会发散）", places=("session", "sweep", REG, LRW, CHAIN), type="bool | float",
       per={CHAIN: {"default": True}}),
    _s("zero_grad", True, "flag", "False: gradients pile up from step to step",
       "False：梯度逐步累加，不清零", places=("session", "sweep", REG), type="bool"),
    _s("accumulate", 1, "int", "micro-batches per update", "每次更新累积的小批次数",
       places=("session", "sweep"), lo=1, type="int"),
    _s("init", None, "init",
       "None: random from ``seed``; a number for every parameter; or {name: value}",
       "None：按 ``seed`` 随机；一个数：所有参数都取它；或 {参数名: 值}",
       places=("session", "sweep", REG), type="float | dict | None"),
    _s("seed", 0, "int", "the random seed (an integer >= 0)", "随机种子（大于等于 0 的整数）",
       places=("session", "sweep", REG, LRW, CHAIN), lo=0, hi=MAX_SEED, type="int"),
    _s("degree", 2, "int",
       "the polynomial's degree (1..10, at most the number of points - 1)",
       "多项式次数（1..10，且不超过数据点数 - 1）", places=("session", "sweep", REG), lo=1,
       hi=MAX_DEGREE, type="int"),
    _s("hidden", 1, "int", "hidden units of the 'mlp' model", "'mlp' 模型的隐藏单元数",
       places=("session", "sweep"), lo=1, hi=MAX_HIDDEN, type="int"),
    # ----- widget-only settings -----------------------------------------------------------
    _s("graph", True, "flag", "draw the backward graph of a step (False: faster)",
       "绘制某一步的反向传播图（False 更快）", places=(REG,), type="bool"),
    _s("step", 0, "int",
       "updates done, as the step slider shows: 0 before training, k after the k-th "
       "update; the tables show the gradient of the next update (of the last one at the "
       "end)",
       "已完成的更新次数（step 滑块）：0 为训练前，k 为第 k 次更新之后；表格显示下一次更新"
       "的梯度（到最后时显示最后一次的）", places=(CHAIN,), lo=0, hi=MAX_STEPS, type="int"),
    _s("lr_range", (1e-4, 0.1), "lr_range",
       "the sweep's learning rates, (low, high), within 1e-7..10 (the slider is "
       "log-scaled)",
       "扫描的学习率范围 (low, high)，在 1e-7..10 之内（滑块按对数刻度）", places=(LRW,),
       lo=1e-7, hi=10.0, type="tuple[float, float]"),
    _s("curves", 5, "int", "loss curves drawn side by side (1..7)",
       "并排绘制的损失曲线条数（1..7）", places=(LRW,), lo=1, hi=7, type="int"),
    _s("sweep_size", 128, "int", "learning rates in the sweep (2..1024)",
       "扫描的学习率个数（2..1024）", places=(LRW,), lo=2, hi=1024, type="int"),
    _s("lrs", (1e-3, 1e-2, 1e-1), "lrs",
       f"the learning rates to train side by side (1..{MAX_LRS} numbers > 0)",
       f"并排训练的学习率（1..{MAX_LRS} 个大于 0 的数）", places=("sweep",),
       type="Sequence[float]"),
    _s("points", 2, "int",
       "2 is seed 000's two points (x1=1.5, y1=1; x2=2, y2=4), so the first picture is the "
       "seed's; 3..200 is the first N of seed 000's 200 normalised points ('line200'); "
       "``set_data(x, y)`` uses other points",
       "2 是种子 000 的两个点（x1=1.5, y1=1；x2=2, y2=4），所以第一张图就是种子课的图；"
       "3..200 是种子 000 的 200 个归一化点（'line200'）中的前 N 个；``set_data(x, y)`` "
       "可以换成别的点", places=(BACK,), lo=2, hi=200, type="int"),
    _s("mode", "plain", "choice",
       "'plain': the seed's loop, a and b change in place; 'accumulate': each backward "
       "press runs one of ``micro_batches`` parts, its loss scaled by (part / all points), "
       "so one pass over every part gives the full batch's grads; 'bloat': the book's "
       "a -= lr * a.grad, which adds graph nodes at every update, beside an in-place twin",
       "'plain'：种子课的循环，原地更新 a 和 b；'accumulate'：每次反向传播只用 "
       "``micro_batches`` 份中的一份，损失乘以（这一份 / 全部点数），所以每份各做一次后梯度"
       "等于全部数据的梯度；'bloat'：书中的 a -= lr * a.grad，每次更新都给计算图添加节点，"
       "旁边是原地更新的对照模型", places=(BACK,), allowed=MODES, type="str"),
    _s("micro_batches", 2, "int",
       "parts in 'accumulate' mode (1..10, at most the number of points)",
       "'accumulate' 模式的份数（1..10，且不超过点数）", places=(BACK,), lo=1, hi=10,
       type="int"),
)}


@functools.cache
def here(place: str) -> dict[str, Setting]:
    """The settings of ``place``, in order, as they are there (shared: do not modify)."""
    return {n: s.at(place) for n, s in SETTINGS.items() if place in s.places}


def defaults(place: str) -> dict[str, Any]:
    """``{name: default}`` of ``place``."""
    return {n: s.default for n, s in here(place).items()}


def signature(place: str, *extra: Any) -> Any:
    """A keyword-only ``inspect.Signature`` of ``place``'s settings (for ``help()``)."""
    import inspect

    params = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=s.default,
                                annotation=s.type) for n, s in here(place).items()]
    return inspect.Signature([*params, *extra], return_annotation=None)


def docstring(place: str, first: str = "") -> str:
    """A numpydoc ``Parameters`` section of ``place``'s settings (English)."""
    import inspect

    lines = [inspect.cleandoc(first), ""] if first else []
    lines += ["Parameters", "----------"]
    for n, s in here(place).items():
        lines.append(f"{n} : {s.type}, default {s.default!r}")
        lines += textwrap.wrap(f"{s.doc[0]}.", 84, initial_indent="    ",
                               subsequent_indent="    ")
    return "\n".join(lines)


def markdown_table() -> str:
    """The README's table: every setting, where it is used, its default and meaning."""
    rows = ["| setting | where | default | meaning |", "|---|---|---|---|"]
    short = {"session": "Session", "sweep": "lr_sweep", REG: "Regression",
             LRW: "LearningRate", CHAIN: "ChainRule", BACK: "Backprop"}
    for s in SETTINGS.values():
        where = ", ".join(short[p] for p in s.places)
        rows.append(f"| `{s.name}` | {where} | `{s.default!r}` | {s.doc[0]} |")
    return "\n".join(rows)


# ----- checking ------------------------------------------------------------------------------
def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(key: str, value: Any, **fields: Any) -> ValueError:
    return ValueError(tr(key, value=show(value), **fields))


def is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _choices(allowed: Iterable[Any]) -> str:
    return ", ".join(map(repr, allowed))


def check(s: Setting, value: Any, *, hi: float | None = None) -> Any:
    """``value`` checked against setting ``s`` (``hi``: a tighter upper bound, e.g. the
    number of points); returns it normalised (plain int/float/bool). Raises ValueError
    naming the setting and what is allowed, in the current language."""
    top = s.hi if hi is None else hi
    kind, name = s.kind, s.name
    if kind == "int":
        if not is_int(value) or not s.lo <= value <= top:
            if name == "seed":
                raise fail("config.seed", value)
            raise fail("config.int_range", value, name=name, lo=int(s.lo), hi=int(top))
        return int(value)
    if kind == "real":
        ok = is_real(value) and math.isfinite(value) and (
            value > 0 if s.lo == 0 else s.lo <= value) and value <= top
        if not ok:
            if math.isinf(top) and s.lo == 0:
                raise fail("config.lr", value, name=name)
            raise fail("settings.real_range", value, name=name, lo=s.lo, hi=top)
        return float(value)
    if kind == "dataset":
        if value is None and s.default is None:
            return None
        as_dataset(value)  # one check for every kind of data
        return value
    if kind in ("choice", "gradients"):
        if kind == "gradients" and value is None:
            return None
        allowed = s.allowed
        if not isinstance(value, str) or value not in allowed:
            raise fail("config.choice", value, name=name, allowed=_choices(allowed))
        return value
    if kind == "flag":
        if not isinstance(value, bool | np.bool_):
            raise fail("config.bool", value, name=name)
        return bool(value)
    if kind == "batch":
        if value is None:
            return None
        if not is_int(value) or not 1 <= value <= (top if top is not None else math.inf):
            raise fail("settings.batch_size", value, hi=top if top is not None else "n")
        return int(value)
    if kind == "normalize":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if not is_real(value) or not math.isfinite(value) or value in (0, 1):
            raise fail("config.normalize", value)  # 1.0 == True: ambiguous, and raw
        return float(value)
    if kind == "lr_range":
        pair = isinstance(value, tuple | list) and len(value) == 2 and all(map(is_real, value))
        ok = pair and all(math.isfinite(v) and s.lo * (1 - 1e-9) <= v <= s.hi * (1 + 1e-9)
                          for v in value) and value[0] < value[1]
        if not ok:
            hint = tr("settings.lr_range_log") if pair and min(value) <= 0 else ""
            raise fail("settings.lr_range", value, name=name, lo=s.lo, hi=s.hi, hint=hint)
        return (float(value[0]), float(value[1]))
    return value  # 'init', 'lrs': checked where the model and data are known


def check_all(place: str, values: Mapping[str, Any], cls: str) -> dict[str, Any]:
    """Every value of ``values`` checked for ``place``; an unknown name raises TypeError
    listing the settings of ``place``."""
    known = here(place)
    for name in values:
        if name not in known:
            raise TypeError(tr("settings.unknown", cls=cls, value=repr(name),
                               allowed=", ".join(known)))
    return {n: check(known[n], v) for n, v in values.items()}
