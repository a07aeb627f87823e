"""Every setting of a session, checked in one place before any work starts.

The settings themselves (names, defaults, allowed values) are defined once in
:mod:`gdwidgets.settings`; here they are checked together with what follows from
the data and the model. A bad value raises ``ValueError`` naming the setting, the value
and what is allowed, in the current language (see :func:`gdwidgets.set_language`).
"""

from __future__ import annotations

import math
from dataclasses import field, fields, make_dataclass
from typing import Any

import numpy as np

from ..data import Dataset, as_dataset
from ..i18n import register, tr
from ..settings import (
    ACTIVATIONS,
    MANUAL,
    MANUAL_BY_DEFAULT,
    MAX_DEGREE,
    MAX_HIDDEN,
    MAX_LAYERS,
    MAX_STEPS,
    defaults,
    here,
)
from .checks import check, check_all, fail, is_int, is_real, show
from .models import Layout, build_model

MAX_VALUES = 50_000_000  # numbers a run (or a sweep) records: ~200 MB at float32

register(
    {
        "config.batch_size": (
            "batch_size must be None (full batch) or between 1 and {hi} "
            "(the number of points in {data}), got {value}",
            "batch_size 必须是 None（全批量）或 1 到 {hi} 之间的整数"
            "（{data} 的数据点个数），得到的是 {value}",
        ),
        "config.degree": (
            "degree must be an integer between 1 and {hi} (at most 10, and at most the "
            "number of points - 1 in {data}), got {value}",
            "degree 必须是 1 到 {hi} 之间的整数（最多 10，且不超过 {data} 的点数 - 1），"
            "得到的是 {value}",
        ),
        "config.accumulate": (
            "accumulate must be an integer between 1 and {hi} (the number of batches per "
            "epoch), got {value}",
            "accumulate 必须是 1 到 {hi} 之间的整数（每个 epoch 的批次数），得到的是 {value}",
        ),
        "config.manual": (
            "gradients='manual' is not available for model {value}: only {allowed} have "
            "analytic formulas; use gradients='autograd'",
            "模型 {value} 没有手推梯度公式（只有 {allowed} 有），gradients='manual' 不可用；"
            "请用 gradients='autograd'",
        ),
        "config.init": (
            "init must be None (random from seed), a finite number for every parameter, "
            "or a dict with keys among {names}, got {value}",
            "init 必须是 None（按 seed 随机）、一个用于所有参数的有限数，"
            "或键属于 {names} 的字典，得到的是 {value}",
        ),
        "config.init_key": (
            "init has no parameter {value}: model {model} has {names}",
            "init 中的参数 {value} 不存在：模型 {model} 的参数是 {names}",
        ),
        "config.bias_model": (
            "bias=False is for the 'linear' and 'polynomial' models, got model={value}",
            "bias=False 只能用于 'linear' 和 'polynomial' 模型，得到的是 model={value}",
        ),
        "config.bias_normalize": (
            "bias=False cannot go with normalize=True: standardising shifts the inputs by "
            "their mean, which a model without b cannot undo; use normalize=False or a "
            "factor (e.g. 0.1)",
            "bias=False 不能与 normalize=True 同用：标准化会把输入减去均值，没有 b 的模型无法"
            "抵消这个平移；请用 normalize=False 或一个缩放系数（如 0.1）",
        ),
        "config.lr_key": (
            "lr has no parameter {value}: model {model} has {names}",
            "lr 中的参数 {value} 不存在：模型 {model} 的参数是 {names}",
        ),
        "config.lr_missing": (
            "lr gives no rate for {missing}: give one for every parameter of model {model} "
            "({names}), or one number for all, got {value}",
            "lr 没有给出 {missing} 的学习率：请为模型 {model} 的每个参数（{names}）各给一个，"
            "或者给一个数用于全部参数，得到的是 {value}",
        ),
        "config.twice": (
            "{setting} gives both {alias!r} and {name!r}: they are one parameter of model "
            "{model} ({alias!r} is the engine's name for it, seed 000's; {name!r} the torch "
            "seeds')",
            "{setting} 同时给了 {alias!r} 和 {name!r}：它们是模型 {model} 的同一个参数"
            "（{alias!r} 是引擎中的名字，来自种子 000；{name!r} 是 torch 种子中的名字）",
        ),
        "config.init_value": (
            "init[{param}] must be finite and of shape {shape}, got {value}",
            "init[{param}] 必须是有限值且形状为 {shape}，得到的是 {value}",
        ),
        "config.constant": (
            "x{column} is constant in {data} (every value is {value}): it cannot be "
            "standardised (normalize=True divides by its spread, 0); use normalize=False or "
            "a factor",
            "{data} 中的 x{column} 是常数（每个值都是 {value}）：无法标准化"
            "（normalize=True 要除以它的离散程度，而它是 0）；请用 normalize=False 或一个系数",
        ),
        "config.column": (" (column {j})", "（第 {j} 列）"),
        "config.one_input": (
            "model {value} takes one input, but {data} has {d} input columns; "
            "use model='linear' or 'mlp'",
            "模型 {value} 只接受一个输入，但 {data} 有 {d} 列输入；"
            "请用 model='linear' 或 'mlp'",
        ),
        "config.steps": (
            "epochs must be at most {hi} here ({steps} updates per epoch, at most {limit} "
            "updates in all), got {value}",
            "epochs 在这里最多为 {hi}（每个 epoch {steps} 次更新，总共最多 {limit} 次），"
            "得到的是 {value}",
        ),
        "config.work": (
            "{what} would record {values:,} numbers ({runs} run(s) × {steps:,} updates × "
            "{per} numbers each), at most {limit:,}: use fewer epochs (at most {hi} "
            "here){more}",
            "{what} 需要记录 {values:,} 个数（{runs} 次训练 × {steps:,} 次更新 × "
            "每次 {per} 个数），最多 {limit:,}：请减少 epochs（这里最多 {hi}）{more}",
        ),
        "config.work_lrs": (" or fewer lrs", "或减少 lrs 的个数"),
        "config.hidden": (
            "hidden must be an integer between 1 and {hi} (one hidden layer) or a tuple of "
            "1 to {layers} such integers (one per hidden layer), got {value}",
            "hidden 必须是 1 到 {hi} 之间的整数（一个隐藏层），或由 1 到 {layers} 个这样的整数"
            "组成的元组（每个隐藏层一个），得到的是 {value}",
        ),
        "config.hidden_layers": (
            "hidden may give at most {layers} hidden layers (and at least 1), got {count}: "
            "{value}",
            "hidden 最多给出 {layers} 个隐藏层（至少 1 个），得到的是 {count} 个：{value}",
        ),
        "config.hidden_layer": (
            "hidden[{i}] (the units of hidden layer {k}) must be an integer between 1 and "
            "{hi}, got {value} in {given}",
            "hidden[{i}]（第 {k} 个隐藏层的单元数）必须是 1 到 {hi} 之间的整数，"
            "{given} 中的是 {value}",
        ),
        "config.activation": (
            "activation must be 'prelu' (nn.PReLU after every hidden layer) or None (no "
            "activation: a stack of Linear layers), got {value}",
            "activation 必须是 'prelu'（每个隐藏层之后接 nn.PReLU）或 None（没有激活：只是 "
            "Linear 层的堆叠），得到的是 {value}",
        ),
        "config.activation_model": (
            "activation=None is for the 'mlp' model, got model={value}",
            "activation=None 只能用于 'mlp' 模型，得到的是 model={value}",
        ),
    }
)




def _int_in(name: str, value: Any, lo: int, hi: int, key: str = "config.int_range",
            **extra: Any) -> int:
    if not is_int(value) or not lo <= value <= hi:
        raise fail(key, value, name=name, lo=lo, hi=hi, **extra)
    return int(value)


def _hidden(value: Any) -> int | tuple[int, ...]:
    """``hidden`` checked: an int (one hidden layer, as before) or a tuple (a list is
    taken as one) of 1..MAX_LAYERS ints, each 1..MAX_HIDDEN."""
    if is_int(value):
        return _int_in("hidden", value, 1, MAX_HIDDEN)
    if not isinstance(value, tuple | list):
        raise fail("config.hidden", value, hi=MAX_HIDDEN, layers=MAX_LAYERS)
    if not 1 <= len(value) <= MAX_LAYERS:
        raise fail("config.hidden_layers", value, layers=MAX_LAYERS, count=len(value))
    for i, h in enumerate(value):
        if not is_int(h) or not 1 <= h <= MAX_HIDDEN:
            raise fail("config.hidden_layer", h, i=i, k=i + 1, hi=MAX_HIDDEN,
                       given=show(value))
    return tuple(int(h) for h in value)


def _activation(value: Any, model: str) -> str | None:
    """``activation`` checked: 'prelu' or None, None for the mlp only."""
    if not (value is None or isinstance(value, str) and value in ACTIVATIONS):
        raise fail("config.activation", value)
    if value is None and model != "mlp":
        raise fail("config.activation_model", model)
    return value


def _to_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):  # a torch tensor, without importing torch here
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float32)


def _data(dataset: Any, normalize: Any) -> tuple[Dataset, np.ndarray]:
    """(the checked data set, x as (n, d)); constant inputs cannot be standardised."""
    data = as_dataset(dataset)  # one check for names, arrays and Datasets
    x = data.x if data.x.ndim == 2 else data.x[:, None]
    if normalize is True:
        constant = np.flatnonzero(x.max(0) == x.min(0))
        if len(constant):
            column = "" if x.shape[1] == 1 else tr("config.column", j=int(constant[0]))
            raise ValueError(tr("config.constant", column=column, value=f"{x[0, constant[0]]:g}",
                                data=repr(data.name)))
    return data, x


class _Derived:
    """What follows from the settings (the fields after them in :class:`Config`)."""

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def batch(self) -> int:
        """The batch size actually used (n for full batch)."""
        return self.n if self.batch_size is None else self.batch_size

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.n // self.batch)

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.batches_per_epoch // self.accumulate)

    def settings(self) -> dict[str, Any]:
        """The settings as keyword arguments (what Session(**settings) takes)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.repr}


Config = make_dataclass(
    "Config",
    [(n, s.type) for n, s in here("session").items()]
    + [("label", str, field(repr=False)), ("x", np.ndarray, field(repr=False)),
       ("y", np.ndarray, field(repr=False)), ("layout", Layout, field(repr=False)),
       ("data", Dataset, field(repr=False))],
    bases=(_Derived,), frozen=True, eq=False,
)
Config.__module__ = __name__
Config.__doc__ = """The validated settings of one session (one field per setting of
:data:`~gdwidgets.settings.SETTINGS` used by Session, in its order), plus what
follows from them: ``label`` (the data's name in messages), raw inputs ``x`` (n, d),
targets ``y``, the parameters' ``layout``, the checked ``data`` (a Dataset: names,
units)."""


def check_work(what: str, runs: int, steps: int, params: int, epochs: int,
               steps_per_epoch: int) -> None:
    """Refuse a run (or ``runs`` runs side by side) that would record more than
    MAX_VALUES numbers (per update and run: the loss, the parameters, the gradients)."""
    per = 2 * params + 1
    if runs * steps * per > MAX_VALUES:
        hi = max(MAX_VALUES // (runs * per * steps_per_epoch), 0)
        raise ValueError(tr("config.work", what=what, values=runs * steps * per, runs=runs,
                            steps=steps, per=per, limit=MAX_VALUES, hi=hi,
                            more=tr("config.work_lrs") if runs > 1 else ""))


def validate(**settings: Any) -> Config:
    """Check every setting of a Session (missing ones take their defaults); raise
    ValueError for the first bad one, TypeError for an unknown name."""
    known = here("session")
    check_all("session", {k: None for k in settings if k not in known}, "Session")
    v = {**defaults("session"), **settings}
    data, x = _data(v["dataset"], v["normalize"])
    label, y = repr(data.name), data.y
    n, d = x.shape
    model = check(known["model"], v["model"])
    if model == "polynomial":
        hi = min(MAX_DEGREE, n - 1)
        v["degree"] = _int_in("degree", v["degree"], 1, hi, "config.degree", data=label)
    if model in ("polynomial", "two_layer") and d != 1:
        raise fail("config.one_input", model, data=label, d=d)
    special = {"dataset", "batch_size", "accumulate", "init", "hidden", "activation"}
    out = {name: check(s, v[name]) for name, s in known.items() if name not in special}
    if v["batch_size"] is not None:
        _int_in("batch_size", v["batch_size"], 1, n, "config.batch_size", data=label)
    out["batch_size"] = check(known["batch_size"], v["batch_size"])
    out["hidden"] = _hidden(v["hidden"])
    out["activation"] = _activation(v["activation"], model)
    if out["gradients"] is None:  # the fastest honest choice: the formulas when there are some
        out["gradients"] = "manual" if model in MANUAL_BY_DEFAULT else "autograd"
    if out["gradients"] == "manual" and model not in MANUAL:
        raise fail("config.manual", model, allowed=", ".join(map(repr, MANUAL)))
    batches = -(-n // (n if out["batch_size"] is None else out["batch_size"]))
    out["accumulate"] = _int_in("accumulate", v["accumulate"], 1, batches, "config.accumulate")
    steps = -(-batches // out["accumulate"])
    epochs = out["epochs"]
    if epochs * steps > MAX_STEPS:
        raise fail("config.steps", epochs, hi=MAX_STEPS // steps, steps=steps, limit=MAX_STEPS)
    if not out["bias"] and model not in ("linear", "polynomial"):
        raise fail("config.bias_model", model)
    if not out["bias"] and out["normalize"] is True:
        raise fail("config.bias_normalize", True)
    layout = build_model(model, d, out["degree"], out["hidden"], out["bias"],
                         out["activation"]).layout
    check_work("Session", 1, epochs * steps, layout.size, epochs, steps)
    out["init"] = _init(v["init"], layout, model)
    out["lr"] = _rates(out["lr"], layout, model)
    out["dataset"] = v["dataset"]
    return Config(**out, label=label, x=x, y=y, layout=layout, data=data)


ALIASES: dict[str, dict[str, str]] = {"linear": {"a": "w"}}
"""Other names ``init`` takes: the engine's ``Linear`` (seed 000) calls the slope ``a``,
the torch seeds and the sessions call it ``w``; ``b`` is ``b`` in both."""


def _names(layout: Layout, model: str) -> str:
    """The model's parameter names as messages list them (with their other names)."""
    aliases = ALIASES.get(model, {})
    return ", ".join("/".join([n, *(a for a, m in aliases.items() if m == n)])
                     for n in layout.names)


def _by_name(given: dict[Any, Any], setting: str, layout: Layout, model: str
             ) -> dict[str, tuple[Any, Any]]:
    """``{parameter: (key as given, value)}`` of a mapping keyed by the model's parameter
    names or their other names (ALIASES); ValueError for an unknown name or one parameter
    named twice."""
    aliases = ALIASES.get(model, {})
    for alias, name in aliases.items():
        if alias in given and name in given:
            raise fail("config.twice", given, setting=setting, alias=alias, name=name,
                       model=repr(model))
    out: dict[str, tuple[Any, Any]] = {}
    for key, value in given.items():
        name = aliases.get(key, key) if isinstance(key, str) else key
        if name not in layout.names:
            raise fail(f"config.{setting}_key", key, model=repr(model),
                       names=_names(layout, model))
        out[name] = (key, value)
    return out


def _rates(lr: float | dict[str, float], layout: Layout, model: str
           ) -> float | dict[str, float]:
    """One learning rate, or one per parameter (every one named once, in layout order)."""
    if not isinstance(lr, dict):
        return lr
    rates = _by_name(lr, "lr", layout, model)
    missing = [n for n in layout.names if n not in rates]
    if missing:
        raise fail("config.lr_missing", lr, missing=", ".join(missing), model=repr(model),
                   names=_names(layout, model))
    return {n: rates[n][1] for n in layout.names}


def _init(init: Any, layout: Layout, model: str) -> float | dict[str, np.ndarray] | None:
    names = _names(layout, model)
    if init is None:
        return None
    if is_real(init):
        if not math.isfinite(init):
            raise fail("config.init", init, names=names)
        return float(init)
    if not isinstance(init, dict):
        raise fail("config.init", init, names=names)
    out = {}
    for name, (key, value) in _by_name(init, "init", layout, model).items():
        shape = layout.shapes[layout.names.index(name)]
        try:
            arr = np.broadcast_to(_to_numpy(value), shape).copy()
        except (TypeError, ValueError):
            arr = None
        if arr is None or not np.isfinite(arr).all():
            raise fail("config.init_value", value, param=repr(key), shape=shape)
        out[name] = arr
    return out
