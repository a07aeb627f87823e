"""Every setting of gdwidgets, defined once: its name, default, allowed values and a
description in both languages.

``Session``'s signature, ``Config``'s fields, the widgets' constructors and controls, their
docstrings and the settings table of docs/settings.md are all derived from :data:`SETTINGS`. A
setting can differ per *place* (``'session'``, ``'sweep'`` or a widget: ``'regression'``,
``'learning_rate'``, ``'chain_rule'``, ``'backprop'``): another default or range there,
given in ``per`` (and said in the description).

:mod:`gdwidgets.training.checks` validates values against them. No torch here.
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .i18n import get_language
from .losses import LOSSES, REDUCTIONS  # noqa: F401 - re-exported
from .registry import Option, either

__all__ = ["SETTINGS", "Setting", "defaults", "docstring", "here", "markdown_table",
           "signature"]

MODELS = ("linear", "polynomial", "two_layer", "mlp")
MANUAL = ("linear", "polynomial", "two_layer", "mlp")  # models with analytic gradient formulas
# gradients=None picks the formulas for these; the mlp keeps autograd, its runs as before
MANUAL_BY_DEFAULT = ("linear", "polynomial", "two_layer")
ACTIVATIONS = ("prelu", None)
MOMENTUM = 0.9  # torch.optim.SGD's momentum coefficient here
ADAM = (0.9, 0.999, 1e-8)  # torch.optim.Adam's betas and eps (its defaults)


# The optimizers' names, labels and descriptions; their updates are the table
# gdwidgets.training.optimizers.UPDATES (torch), whose keys a test holds equal to these.
OPTIMIZERS: dict[str, Option] = {
    "sgd": Option(("SGD", "SGD"), ("'sgd' (plain steps)", "'sgd'（普通梯度下降）")),
    "momentum": Option(("momentum", "动量"), (
        f"'momentum' (torch.optim.SGD with momentum={MOMENTUM})",
        f"'momentum'（torch.optim.SGD，momentum={MOMENTUM}）")),
    "adam": Option(("Adam", "Adam"), (
        f"'adam' (torch.optim.Adam: betas={ADAM[:2]}, eps={ADAM[2]:g})",
        f"'adam'（torch.optim.Adam：betas={ADAM[:2]}，eps={ADAM[2]:g}）")),
}
GRADIENTS = ("autograd", "manual")
MODES = ("plain", "accumulate", "bloat")
MAX_DEGREE = 10
MAX_HIDDEN = 64
MAX_LAYERS = 4  # hidden layers of the mlp
MAX_EPOCHS = 100_000
MAX_STEPS = 1_000_000  # every step is recorded; this bounds the history's memory
MAX_LRS = 4096
MAX_SEED = 2**63 - 1
WIDGETS = ("regression", "learning_rate", "chain_rule", "backprop", "matrix_backprop")
PLACES = ("session", "sweep", *WIDGETS)



@dataclass(frozen=True)
class Setting:
    """One setting: what it is called, what it may be, and what it means.

    ``kind``: 'real' (a number in ``lo``..``hi``; ``lo`` excluded when it is 0),
    'int' (an integer in ``lo``..``hi``), 'choice' (one of ``allowed``), 'flag' (a bool),
    'batch' (None or an integer >= 1), 'normalize', 'dataset', 'init', 'hidden' (an
    integer or a tuple of them), 'activation' (one of ``allowed``, None among them),
    'rates' (a number or
    a mapping of numbers, names checked with the model), 'lr_range'
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
    allowed: tuple[Any, ...] | Mapping[str, Any] = ()  # a table: its keys, as it is now
    type: str = "Any"
    per: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    notes: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # place: (en, zh)

    def at(self, place: str) -> Setting:
        """This setting as it is in ``place`` (its default and range there)."""
        return replace(self, **self.per.get(place, {}))

    def describe(self, place: str | None = None, lang: str | None = None) -> str:
        """The description (in ``place``: with what holds there only), in ``lang`` (the
        current language by default)."""
        zh = (lang or get_language()) == "zh"
        note = self.notes.get(place) if place else None
        return self.doc[zh] + (("；" if zh else "; ") + note[zh] if note else "")


def _s(name: str, default: Any, kind: str, en: str, zh: str, **more: Any) -> Setting:
    return Setting(name, default, kind, (en, zh), **more)


def _choices(table: Mapping[str, Any], head: tuple[str, str] = ("", ""),
             tail: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """(English, Chinese): the entries' descriptions listed, ``'a' (…), 'b' (…) or 'c'``
    (a new entry of the table is described with the others)."""
    en, zh = (head[i] + either([e.doc[i] for e in table.values()], lang) + tail[i]
              for i, lang in enumerate(("en", "zh")))
    return en, zh


REG, LRW, CHAIN, BACK, MATRIX = WIDGETS
_POLY = ("the polynomial's degree is ``degree``, the mlp's hidden units ``hidden`` (more "
         "layers: a tuple) and its activation ``activation`` (None: no PReLU)")
_POLY_ZH = ("多项式的次数由 ``degree`` 决定，mlp 的隐藏单元数由 ``hidden`` 决定（元组给出更多层），"
            "激活函数由 ``activation`` 决定（None：不用 PReLU）")
SETTINGS: dict[str, Setting] = {s.name: s for s in (
    _s("dataset", "line200", "dataset",
       "the data: an embedded set's name (``gdwidgets.datasets.names()``), (x, y) arrays "
       "(lists, numpy, torch, pandas Series), or a ``gdwidgets.Dataset`` (names, units; "
       "a DataFrame through ``Dataset.from_frame``)",
       "数据：内置数据集的名称（``gdwidgets.datasets.names()``）、(x, y) 数组（列表、numpy、"
       "torch、pandas Series）或 ``gdwidgets.Dataset``（带名称和单位；DataFrame 用 "
       "``Dataset.from_frame``）", places=("session", "sweep", REG, LRW, CHAIN, BACK, MATRIX),
       type="str | tuple[ArrayLike, ArrayLike] | Dataset",
       notes={CHAIN: ("one input only; 'y2x10' is seed 003's data", "只接受单输入数据；"
                      "'y2x10' 是种子 003 的数据"),
              BACK: ("None is seed 000's points (see ``points``); other data: one input, "
                     "at most 200 points", "None 表示种子 000 的点（见 ``points``）；"
                     "其他数据：单输入，最多 200 个点")},
       per={REG: {"default": "linear15"}, LRW: {"default": "linear15"},
            CHAIN: {"default": "y2x10"}, BACK: {"default": None},
            MATRIX: {"default": "plane2d"}}),
    _s("model", "linear", "choice",
       "'linear' (y = w·x + b), 'polynomial', 'two_layer' (y = a2·(a1·x + b1) + b2) or "
       "'mlp' (Linear, PReLU, Linear)",
       "'linear'（y = w·x + b）、'polynomial'（多项式）、'two_layer'（y = a2·(a1·x + b1) + b2）"
       "或 'mlp'（Linear、PReLU、Linear）", places=("session", "sweep", REG, LRW, CHAIN),
       notes={"session": (_POLY, _POLY_ZH), "sweep": (_POLY, _POLY_ZH),
              REG: ("the polynomial's degree is ``degree``; the mlp has 1 hidden unit",
                    "多项式的次数由 ``degree`` 决定；mlp 有 1 个隐藏单元"),
              LRW: ("the polynomial is a cubic (seed 004); the mlp has 1 hidden unit",
                    "多项式为三次（种子 004）；mlp 有 1 个隐藏单元"),
},
       allowed=MODELS, type="str",
       per={CHAIN: {"default": "two_layer", "allowed": ("two_layer",),
                    "doc": ("'two_layer' (y = a2·(a1·x + b1) + b2), the only model here",
                            "'two_layer'（y = a2·(a1·x + b1) + b2），这里只有这一个模型")}}),
    _s("lr", 0.1, "real",
       "the learning rate, > 0", "学习率，> 0",
       places=("session", REG, LRW, CHAIN, BACK, MATRIX), lo=0.0, hi=math.inf, type="float",
       notes={"session": ("or {name: rate} for every parameter, one rate each (seed 003's "
                          "{'w': 1e-4, 'b': 1e-3}), for every optimizer",
                          "或 {参数名: 学习率}，每个参数一个（种子 003 的 "
                          "{'w': 1e-4, 'b': 1e-3}），所有优化器都适用"),
              REG: ("1e-5..10 (the slider's range), or {name: rate} for every parameter "
                    "(the slider is then off and shows the rates)",
                    "1e-5..10（滑块的范围），或 {参数名: 学习率}，每个参数一个（此时滑块关闭，"
                    "显示这些学习率）"),
              LRW: ("within ``lr_range``", "须在 ``lr_range`` 之内"),
              CHAIN: ("1e-5..0.1; the default 1e-3 is seed 003's; or {name: rate} for a1, "
                      "b1, a2, b2 (seed 003's own update: 1e-4 for a, 1e-3 for b; the "
                      "slider is then off)",
                      "1e-5..0.1；默认的 1e-3 来自种子 003；或给 a1、b1、a2、b2 各一个 "
                      "{参数名: 学习率}（种子 003 自己的更新：a 用 1e-4，b 用 1e-3；"
                      "此时滑块关闭）"),
              BACK: ("1e-3..10 (the slider's range)", "1e-3..10（滑块的范围）"),
              MATRIX: ("1e-5..1 (Adam's step); the default 1e-2 is seed 003's",
                       "1e-5..1（Adam 的步长）；默认的 1e-2 来自种子 003")},
       per={"session": {"kind": "rates", "type": "float | dict[str, float]"},
            REG: {"default": 1e-2, "lo": 1e-5, "hi": 10.0, "kind": "rates",
                  "type": "float | dict[str, float]"},
            LRW: {"default": 1e-2, "lo": 1e-7, "hi": 10.0},
            CHAIN: {"default": 1e-3, "lo": 1e-5, "hi": 0.1, "kind": "rates",
                    "type": "float | dict[str, float]"},
            BACK: {"default": 0.1, "lo": 1e-3, "hi": 10.0},
            MATRIX: {"default": 1e-2, "lo": 1e-5, "hi": 1.0}}),
    _s("epochs", 100, "int",
       "passes over the data", "遍历数据的轮数",
       places=("session", "sweep", REG, LRW, CHAIN, MATRIX), lo=1, hi=MAX_EPOCHS,
       type="int",
       notes={"session": (f"1..{MAX_EPOCHS:,}", f"1..{MAX_EPOCHS}"),
              "sweep": (f"1..{MAX_EPOCHS:,}", f"1..{MAX_EPOCHS}"),
              REG: ("1..2000", "1..2000"), LRW: ("1..1000", "1..1000"),
              CHAIN: ("1..200: 20 epochs of 10 batches are 200 steps",
                      "1..200：20 轮 × 10 批就是 200 步"),
              MATRIX: ("1..200; the default 50 is seed 003's", "1..200；默认的 50 来自种子 003")},
       per={REG: {"hi": 2000}, LRW: {"hi": 1000}, CHAIN: {"default": 20, "hi": 200},
            MATRIX: {"default": 50, "hi": 200}}),
    _s("batch_size", None, "batch",
       "points per update: None for the full batch, else 1..the number of points",
       "每次更新用的点数：None 表示全批量，否则为 1 到数据点数",
       places=("session", "sweep", REG, CHAIN, MATRIX), lo=1, type="int | None",
       notes={p: ("the default 5 is seed 003's", "默认的 5 来自种子 003") for p in (CHAIN, MATRIX)},
       per={CHAIN: {"default": 5}, MATRIX: {"default": 5}}),
    _s("shuffle", False, "flag", "shuffle the points every epoch", "每一轮都打乱数据顺序",
       places=("session", "sweep", REG), type="bool",
       per={p: {"kind": "shuffle", "type": "bool | str"} for p in ("session", "sweep")},
       notes={p: ("True: a permutation from ``seed``'s generator; 'loader': the order "
                  "torch's DataLoader(shuffle=True) visits after torch.manual_seed(seed) and "
                  "the model's construction (seed 002's loop): the model's draws first (the "
                  "mlp's as nn.Linear makes them; the line's, polynomial's and two layers' "
                  "random w, w1..wk or a1, a2 as torch.randn), then two draws per epoch",
                  "True：用 ``seed`` 的生成器打乱；'loader'：按 torch.manual_seed(seed) "
                  "之后先建模型、再用 DataLoader(shuffle=True) 的顺序（种子 002 的循环）："
                  "先是模型的随机数（mlp 按 nn.Linear 的方式；直线、多项式和两层模型的 w、"
                  "w1..wk 或 a1、a2 用 torch.randn），然后每轮两次")
              for p in ("session", "sweep")}),
    _s("optimizer", "sgd", "choice", *_choices(OPTIMIZERS),
       places=("session", "sweep", REG, MATRIX), allowed=OPTIMIZERS, type="str",
       notes={MATRIX: ("the default 'adam' is seed 003's", "默认的 'adam' 来自种子 003")},
       per={MATRIX: {"default": "adam"}}),
    _s("gradients", None, "gradients",
       "'manual' (the formulas) or 'autograd'; None: 'manual' for 'linear', 'polynomial' "
       "and 'two_layer', 'autograd' for 'mlp' (its formulas are there to compare)",
       "'manual'（手推公式）或 'autograd'；None：'linear'、'polynomial' 和 'two_layer' 用 "
       "'manual'，'mlp' 用 'autograd'（它的公式用来对照）",
       places=("session", "sweep"), allowed=GRADIENTS, type="str | None"),
    _s("normalize", False, "normalize",
       "False: raw inputs; True: standardise them (mean 0, std 1); a number: multiply them "
       "by it (0.1 is seed 001's t_un = 0.1 * t_u)",
       "False：原始输入；True：标准化（均值 0、标准差 1）；一个数：输入乘以它（0.1 即种子 001 "
       "的 t_un = 0.1 * t_u）", places=("session", "sweep", REG, LRW, CHAIN, MATRIX),
       type="bool | float",
       notes={CHAIN: ("the default True is seed 003's (its raw x diverges at these "
                      "learning rates)", "默认 True 与种子 003 相同（原始 x 在这些学习率下"
                      "会发散）")},
       per={CHAIN: {"default": True}}),
    _s("zero_grad", True, "flag", "False: gradients pile up from step to step",
       "False：梯度逐步累加，不清零", places=("session", "sweep", REG), type="bool"),
    _s("accumulate", 1, "int", "micro-batches per update", "每次更新累积的小批次数",
       places=("session", "sweep"), lo=1, type="int"),
    _s("init", None, "init",
       "None: random from ``seed``; a number for every parameter; or {name: value} (the "
       "linear model's slope is 'w', or 'a' as the engine's Linear calls it)",
       "None：按 ``seed`` 随机；一个数：所有参数都取它；或 {参数名: 值}（线性模型的斜率叫 'w'，"
       "也可以像引擎的 Linear 那样叫 'a'）",
       places=("session", "sweep", REG), type="float | dict | None"),
    _s("seed", 0, "int", "the random seed (an integer >= 0)", "随机种子（大于等于 0 的整数）",
       places=("session", "sweep", REG, LRW, CHAIN, MATRIX), lo=0, hi=MAX_SEED,
       type="int"),
    _s("degree", 2, "int",
       "the polynomial's degree (1..10, at most the number of points - 1)",
       "多项式次数（1..10，且不超过数据点数 - 1）", places=("session", "sweep", REG), lo=1,
       hi=MAX_DEGREE, type="int"),
    _s("hidden", 1, "hidden",
       f"hidden units of the 'mlp' model: an integer 1..{MAX_HIDDEN} (one hidden layer), "
       f"or a tuple of 1..{MAX_LAYERS} such integers, one per hidden layer ((2, 2) is seed "
       f"003's Linear(2, 2), Linear(2, 2), Linear(2, 1))",
       f"'mlp' 模型的隐藏单元数：1..{MAX_HIDDEN} 的整数（一个隐藏层），或由 1..{MAX_LAYERS} "
       f"个这样的整数组成的元组，每个隐藏层一个（(2, 2) 即种子 003 的 Linear(2, 2)、"
       f"Linear(2, 2)、Linear(2, 1)）",
       places=("session", "sweep", MATRIX), lo=1, hi=MAX_HIDDEN,
       type="int | tuple[int, ...]",
       notes={MATRIX: ("the default (2, 2) is seed 003's three layers",
                       "默认的 (2, 2) 即种子 003 的三层")},
       per={MATRIX: {"default": (2, 2)}}),
    _s("activation", "prelu", "activation",
       "the 'mlp' model's activation after every hidden layer: 'prelu' (nn.PReLU, a from "
       "0.25) or None (none: a stack of Linear layers, seed 003's)",
       "'mlp' 模型每个隐藏层之后的激活函数：'prelu'（nn.PReLU，a 从 0.25 开始）或 None"
       "（没有激活：只是 Linear 层的堆叠，种子 003 的写法）",
       places=("session", "sweep"), allowed=ACTIVATIONS, type="str | None"),
    _s("reduction", "mean", "choice",
       "the loss of a batch: 'mean' (mean squared error), 'sum' (sum of squared errors) "
       "or 'half_sum' (that sum / 2, seed 003's); the loss on all the data is the same "
       "over every point",
       "一个批次的损失：'mean'（均方误差）、'sum'（平方误差之和）或 'half_sum'（和的一半，"
       "种子 003 的写法）；全部数据上的损失也按同样方式在所有点上计算",
       places=("session", "sweep"), allowed=REDUCTIONS, type="str"),
    _s("loss", "squared", "choice", *_choices(
        LOSSES, ("the loss of each point: ", "每个点的损失："),
        ("; ``reduction`` adds them up over a batch", "；``reduction`` 决定它们在批次上怎样合计")),
       places=("session", "sweep"), allowed=LOSSES, type="str"),
    _s("bias", True, "flag",
       "False: the 'linear' and 'polynomial' models have no intercept b (seed 002's "
       "y = x * w); inputs then may be scaled by a factor but not standardised",
       "False：'linear' 和 'polynomial' 模型没有截距 b（种子 002 的 y = x * w）；此时输入可以"
       "乘以一个数，但不能标准化", places=("session", "sweep"), type="bool"),
    # ----- widget-only settings -----------------------------------------------------------
    _s("graph", True, "flag", "draw the backward graph of a step (False: faster)",
       "绘制某一步的反向传播图（False 更快）", places=(REG,), type="bool"),
    _s("step", 0, "int",
       "updates done, as the step slider shows: 0 before training, k after the k-th "
       "update; the tables show the gradient of the next update (of the last one at the "
       "end)",
       "已完成的更新次数（step 滑块）：0 为训练前，k 为第 k 次更新之后；表格显示下一次更新"
       "的梯度（到最后时显示最后一次的）", places=(CHAIN, MATRIX), lo=0, hi=MAX_STEPS,
       type="int"),
    _s("check_loss", "mse", "choice",
       "the loss whose gradients the tables check: 'mse' (the mean squared error the "
       "model trains with) or 'seed' (seed 003's gradient check, (Σ(ŷ - y)²)² / 2)",
       "表格检验哪个损失的梯度：'mse'（训练用的均方误差）或 'seed'（种子 003 的梯度检验，"
       "(Σ(ŷ - y)²)² / 2）", places=(MATRIX,), allowed=("mse", "seed"), type="str"),
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
        lines += textwrap.wrap(f"{s.describe(place, 'en')}.", 84, initial_indent="    ",
                               subsequent_indent="    ")
    return "\n".join(lines)


def markdown_table() -> str:
    """The table of docs/settings.md: every setting, where it is used, its default and meaning."""
    rows = ["| setting | where | default | meaning |", "|---|---|---|---|"]
    short = {"session": "Session", "sweep": "lr_sweep", REG: "Regression",
             LRW: "LearningRate", CHAIN: "ChainRule", BACK: "Backprop",
             MATRIX: "MatrixBackprop"}
    for s in SETTINGS.values():
        where = ", ".join(short[p] for p in s.places)
        said: dict[str, list[str]] = {}  # a note -> the places it holds in
        for p, n in s.notes.items():
            said.setdefault(n[0], []).append(short[p])
        for p, o in s.per.items():
            if "doc" in o:
                said.setdefault(o["doc"][0], []).append(short[p])
        everywhere = [n for n, ps in said.items() if len(ps) == len(s.places)]
        first = everywhere[0] if everywhere else ""
        notes = "".join(f"; {', '.join(ps)}: {n}" for n, ps in said.items() if n != first)
        default = "; ".join([f"`{s.default!r}`", *(
            f"{short[p]}: `{o['default']!r}`" for p, o in s.per.items()
            if "default" in o and o["default"] != s.default)])
        rows.append(f"| `{s.name}` | {where} | {default} | {s.doc[0]}"
                    f"{'; ' + first if first else ''}{notes} |")
    return "\n".join(rows)
