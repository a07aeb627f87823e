"""Every setting of a session, checked in one place before any work starts.

A bad value raises ``ValueError`` naming the setting, the value and what is allowed,
in the current language (see :func:`gdwidgets.set_language`).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .. import datasets
from ..i18n import register, tr
from .models import MANUAL, MAX_DEGREE, MAX_HIDDEN, MODELS, Layout, build_model
from .optimizers import OPTIMIZERS

GRADIENTS = ("autograd", "manual")
MAX_EPOCHS = 100_000
MAX_STEPS = 1_000_000  # every step is recorded; this bounds the history's memory

register(
    {
        "config.lr": (
            "{name} must be a finite number > 0, got {value}",
            "{name} 必须是大于 0 的有限数，得到的是 {value}",
        ),
        "config.int_range": (
            "{name} must be an integer between {lo} and {hi}, got {value}",
            "{name} 必须是 {lo} 到 {hi} 之间的整数，得到的是 {value}",
        ),
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
        "config.choice": (
            "{name} must be one of {allowed}, got {value}",
            "{name} 必须是 {allowed} 之一，得到的是 {value}",
        ),
        "config.bool": (
            "{name} must be True or False, got {value}",
            "{name} 必须是 True 或 False，得到的是 {value}",
        ),
        "config.manual": (
            "gradients='manual' is not available for model {value}: only {allowed} have "
            "analytic formulas; use gradients='autograd'",
            "模型 {value} 没有手推梯度公式（只有 {allowed} 有），gradients='manual' 不可用；"
            "请用 gradients='autograd'",
        ),
        "config.normalize": (
            "normalize must be False, True (standardise inputs) or a finite non-zero "
            "number to multiply inputs by, got {value}",
            "normalize 必须是 False、True（标准化输入）或一个非零有限数（输入乘以它），"
            "得到的是 {value}",
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
        "config.init_value": (
            "init[{param}] must be finite and of shape {shape}, got {value}",
            "init[{param}] 必须是有限值且形状为 {shape}，得到的是 {value}",
        ),
        "config.seed": (
            "seed must be an integer >= 0, got {value}",
            "seed 必须是大于等于 0 的整数，得到的是 {value}",
        ),
        "config.data": (
            "dataset arrays must be x of shape (n,) or (n, d) and y of shape (n,), finite, "
            "with n >= 2 points, got {value}",
            "dataset 数组必须是形状为 (n,) 或 (n, d) 的 x 和形状为 (n,) 的 y，值有限，"
            "且 n >= 2，得到的是 {value}",
        ),
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
        "config.your_data": ("your data", "你的数据"),
    }
)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(message: str, value: Any, **fields: Any) -> ValueError:
    return ValueError(tr(message, value=_show(value), **fields))


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _int_in(name: str, value: Any, lo: int, hi: int, key: str = "config.int_range",
            **extra: Any) -> int:
    if not _is_int(value) or not lo <= value <= hi:
        raise _fail(key, value, name=name, lo=lo, hi=hi, **extra)
    return int(value)


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _fail("config.choice", value, name=name, allowed=", ".join(map(repr, allowed)))
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise _fail("config.bool", value, name=name)
    return bool(value)


def _to_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):  # a torch tensor, without importing torch here
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float32)


def _data(dataset: Any) -> tuple[str, np.ndarray, np.ndarray]:
    """(label for messages, x (n, d), y (n,)) of a named data set or user arrays."""
    if isinstance(dataset, str):
        d = datasets.get(dataset)  # raises ValueError listing the names
        x, y, label = d.x, d.y, repr(dataset)
    elif isinstance(dataset, datasets.Dataset):
        x, y, label = dataset.x, dataset.y, repr(dataset.name)
    else:
        try:
            x, y = dataset
            x, y = _to_numpy(x), _to_numpy(y)
            if y.ndim == 2 and y.shape[1:] == (1,):  # seed 004 keeps y as a column
                y = y[:, 0]
        except (TypeError, ValueError):
            raise ValueError(
                tr("dataset.unknown", name=_show(dataset),
                   allowed=", ".join(map(repr, datasets.names())))
            ) from None
        label = tr("config.your_data")
        ok = (
            x.ndim in (1, 2) and y.ndim == 1 and len(x) == len(y) >= 2
            and np.isfinite(x).all() and np.isfinite(y).all()
        )
        if not ok:
            raise ValueError(tr("config.data", value=f"x {x.shape}, y {y.shape}"))
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    return label, x, np.asarray(y, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Config:
    """The validated settings of one session, plus what follows from them."""

    dataset: Any
    model: str
    lr: float
    epochs: int
    batch_size: int | None
    shuffle: bool
    optimizer: str
    gradients: str
    normalize: bool | float
    zero_grad: bool
    accumulate: int
    init: float | dict[str, np.ndarray] | None
    seed: int
    degree: int
    hidden: int
    # derived
    label: str = field(repr=False)
    x: np.ndarray = field(repr=False)  # (n, d) raw inputs
    y: np.ndarray = field(repr=False)
    layout: Layout = field(repr=False)

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


def validate(*, dataset: Any, model: str, lr: float, epochs: int, batch_size: int | None,
             shuffle: bool, optimizer: str, gradients: str | None, normalize: bool | float,
             zero_grad: bool, accumulate: int, init: Any, seed: int, degree: int,
             hidden: int) -> Config:
    """Check every setting; raise ValueError for the first bad one."""
    label, x, y = _data(dataset)
    n, d = x.shape
    model = _choice("model", model, MODELS)
    if model == "polynomial":
        hi = min(MAX_DEGREE, n - 1)
        degree = _int_in("degree", degree, 1, hi, "config.degree", data=label)
    elif not _is_int(degree) or not 1 <= degree <= MAX_DEGREE:
        degree = _int_in("degree", degree, 1, MAX_DEGREE)
    hidden = _int_in("hidden", hidden, 1, MAX_HIDDEN)
    if model in ("polynomial", "two_layer") and d != 1:
        raise _fail("config.one_input", model, data=label, d=d)
    if not _is_real(lr) or not math.isfinite(lr) or lr <= 0:
        raise _fail("config.lr", lr, name="lr")
    epochs = _int_in("epochs", epochs, 1, MAX_EPOCHS)
    if batch_size is not None:
        batch_size = _int_in("batch_size", batch_size, 1, n, "config.batch_size", data=label)
    shuffle = _flag("shuffle", shuffle)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    if gradients is None:  # the fastest honest choice: the formulas when the model has them
        gradients = "manual" if model in MANUAL else "autograd"
    gradients = _choice("gradients", gradients, GRADIENTS)
    if gradients == "manual" and model not in MANUAL:
        raise _fail("config.manual", model, allowed=", ".join(map(repr, MANUAL)))
    if not isinstance(normalize, bool | np.bool_):
        if not _is_real(normalize) or not math.isfinite(normalize) or normalize == 0:
            raise _fail("config.normalize", normalize)
        normalize = float(normalize)
    else:
        normalize = bool(normalize)
    zero_grad = _flag("zero_grad", zero_grad)
    batches = -(-n // (n if batch_size is None else batch_size))
    accumulate = _int_in("accumulate", accumulate, 1, batches, "config.accumulate")
    steps = -(-batches // accumulate)
    if epochs * steps > MAX_STEPS:
        raise _fail("config.steps", epochs, hi=MAX_STEPS // steps, steps=steps, limit=MAX_STEPS)
    if not _is_int(seed) or not 0 <= seed < 2**63:
        raise _fail("config.seed", seed)
    layout = build_model(model, d, degree, hidden).layout
    init = _init(init, layout, model)
    return Config(dataset, model, float(lr), epochs, batch_size, shuffle, optimizer,
                  gradients, normalize, zero_grad, accumulate, init, int(seed), degree,
                  hidden, label, x, y, layout)


def _init(init: Any, layout: Layout, model: str) -> float | dict[str, np.ndarray] | None:
    names = ", ".join(layout.names)
    if init is None:
        return None
    if _is_real(init):
        if not math.isfinite(init):
            raise _fail("config.init", init, names=names)
        return float(init)
    if not isinstance(init, dict):
        raise _fail("config.init", init, names=names)
    out = {}
    for key, value in init.items():
        if key not in layout.names:
            raise _fail("config.init_key", key, model=repr(model), names=names)
        shape = layout.shapes[layout.names.index(key)]
        try:
            arr = np.broadcast_to(_to_numpy(value), shape).copy()
        except (TypeError, ValueError):
            arr = None
        if arr is None or not np.isfinite(arr).all():
            raise _fail("config.init_value", value, param=repr(key), shape=shape)
        out[key] = arr
    return out
