"""Data in: a :class:`Dataset`, and one check for every way a user gives data.

A name of an embedded set, ``(x, y)`` (arrays, lists, tensors, pandas Series), a
``Dataset`` or a pandas DataFrame through :meth:`Dataset.from_frame`: :func:`as_dataset`
turns each into a checked ``Dataset`` before any work. Each broken rule has its own
message naming the array, the rule and the first offending row ("x has NaN at row 3"),
in the current language. Nothing is cast silently: text, booleans and complex numbers
are refused, not converted. No torch here (tensors are recognised by ``detach``).

>>> from gdwidgets import Dataset
>>> d = Dataset('houses', x=[52, 80, 120], y=[210, 300, 420], x_name='area',
...             x_unit='m²', y_name='price', y_unit='k€')
>>> d.x_label, len(d)
('area (m²)', 3)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .i18n import get_language, register, tr

__all__ = ["Dataset", "as_dataset"]

F32_MAX = float(np.finfo(np.float32).max)
Text = str | tuple[str, str]  # a text, or (English, Chinese)

register({
    "data.kind": (
        "dataset must be the name of an embedded data set ({names}), (x, y) arrays, a "
        "Dataset, or a DataFrame through Dataset.from_frame(df, x=..., y=...), got {value}",
        "dataset 必须是内置数据集的名称（{names}）、(x, y) 数组、Dataset，"
        "或用 Dataset.from_frame(df, x=..., y=...) 转换的 DataFrame，得到的是 {value}",
    ),
    "data.name": (
        "dataset {value} is not an embedded data set: the names are {names} (your own "
        "data: (x, y) arrays or a Dataset)",
        "dataset {value} 不是内置数据集：可用的名称是 {names}（自己的数据请用 (x, y) 数组"
        "或 Dataset）",
    ),
    "data.frame": (
        "a DataFrame needs its columns named: Dataset.from_frame(df, x=..., y=...) "
        "(its columns: {columns})",
        "DataFrame 需要指明用哪些列：Dataset.from_frame(df, x=..., y=...)（它的列：{columns}）",
    ),
    "data.column": (
        "the DataFrame has no column {value}: its columns are {columns}",
        "DataFrame 没有列 {value}：它的列是 {columns}",
    ),
    "data.pair": (
        "dataset as arrays must be a pair (x, y), got {value}",
        "以数组给出的 dataset 必须是一对 (x, y)，得到的是 {value}",
    ),
    "data.missing": ("{a} is None: give it as an array of numbers",
                     "{a} 是 None：请给出由数构成的数组"),
    "data.text": (
        "{a} holds text ({value} at {where}): convert it to numbers first "
        "(nothing is converted silently)",
        "{a} 中有文本（{where} 处为 {value}）：请先转换为数（不会悄悄转换）",
    ),
    "data.none": ("{a} has a missing value (None) at {where}", "{a} 在 {where} 处缺少值（None）"),
    "data.bool": (
        "{a} holds True/False values: give numbers (e.g. 0 and 1) if that is what you mean",
        "{a} 中是 True/False：如果想用数，请给出数（例如 0 和 1）",
    ),
    "data.complex": ("{a} holds complex numbers ({value} at {where}): only real numbers "
                     "can be fitted",
                     "{a} 中有复数（{where} 处为 {value}）：只能拟合实数"),
    "data.nan": ("{a} has NaN at {where}", "{a} 在 {where} 处是 NaN"),
    "data.inf": ("{a} has {value} at {where}", "{a} 在 {where} 处是 {value}"),
    "data.big": (
        "{a} has {value} at {where}, beyond float32's range (±3.4e38) that training uses",
        "{a} 在 {where} 处是 {value}，超出了训练所用 float32 的范围（±3.4e38）",
    ),
    "data.x_shape": ("x must be of shape (n,) or (n, d), got shape {shape}",
                     "x 的形状必须是 (n,) 或 (n, d)，得到的是 {shape}"),
    "data.y_shape": (
        "y must be of shape (n,) or (n, 1) (a column is taken as (n,)), got shape {shape}",
        "y 的形状必须是 (n,) 或 (n, 1)（一列会当作 (n,)），得到的是 {shape}",
    ),
    "data.lengths": ("x has {nx} points but y has {ny}", "x 有 {nx} 个点，而 y 有 {ny} 个"),
    "data.few": ("x and y need at least 2 points, got {n}", "x 和 y 至少需要 2 个点，得到的是 {n}"),
    "data.row": ("row {i}", "第 {i} 行"),
    "data.cell": ("row {i}, column {j}", "第 {i} 行第 {j} 列"),
    "data.label": ("{name} ({unit})", "{name}（{unit}）"),
})


def _where(index: tuple[int, ...]) -> str:
    if len(index) == 1:
        return tr("data.row", i=index[0])
    return tr("data.cell", i=index[0], j=index[1])


def _first(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _numbers(name: str, values: Any) -> np.ndarray:
    """``values`` as a float64 array after every rule for one array (text, None,
    booleans, complex, NaN, inf, float32's range), each with its own message."""
    if values is None:
        raise ValueError(tr("data.missing", a=name))
    if hasattr(values, "detach"):  # a torch tensor, without importing torch here
        values = values.detach().cpu().numpy()
    elif hasattr(values, "to_numpy"):  # a pandas Series
        values = values.to_numpy()
    if isinstance(values, str | bytes):
        raise ValueError(tr("data.text", a=name, value=repr(values)[:30], where=_where((0,))))
    # a list keeps each value's own type (numpy would turn [1, 'a'] into text)
    raw = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    if raw.dtype.kind == "b":
        raise ValueError(tr("data.bool", a=name))
    if raw.dtype.kind not in "fiu":  # text, complex or mixed objects: find the first offender
        for i, v in enumerate(raw.reshape(-1)):
            where = _where(np.unravel_index(i, raw.shape) if raw.ndim else (0,))
            if isinstance(v, list | tuple | np.ndarray):  # rows of different lengths
                key = "data.x_shape" if name == "x" else "data.y_shape"
                raise ValueError(tr(key, shape="(rows of different lengths)"))
            if v is None:
                raise ValueError(tr("data.none", a=name, where=where))
            if isinstance(v, bool | np.bool_):
                raise ValueError(tr("data.bool", a=name))
            if isinstance(v, complex | np.complexfloating):
                raise ValueError(tr("data.complex", a=name, value=v, where=where))
            if not isinstance(v, numbers.Real):
                text = repr(v.item() if isinstance(v, np.generic) else v)
                raise ValueError(tr("data.text", a=name, value=text[:30], where=where))
    out = raw.astype(np.float64)
    for rule, mask in (("data.nan", np.isnan(out)), ("data.inf", np.isinf(out)),
                       ("data.big", np.abs(out) > F32_MAX)):
        if mask.any():
            at = _first(mask.reshape(out.shape) if out.ndim else mask.reshape(1))
            value = out[at] if out.ndim else out
            raise ValueError(tr(rule, a=name, value=f"{value:g}", where=_where(at)))
    return out


def check_arrays(x: Any, y: Any, dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """``x`` ((n,) or (n, d)) and ``y`` ((n,) or (n, 1)) checked, as read-only ``x`` and
    ``y`` of shape (n,) (float32 for training; the scalar engine asks for float64).
    Raises ValueError naming the first broken rule."""
    xs, ys = _numbers("x", x), _numbers("y", y)
    if xs.ndim not in (1, 2) or 0 in xs.shape[1:]:
        raise ValueError(tr("data.x_shape", shape=xs.shape))
    if ys.ndim == 2 and ys.shape[1] == 1:
        ys = ys[:, 0]
    if ys.ndim != 1:
        raise ValueError(tr("data.y_shape", shape=ys.shape))
    if len(xs) != len(ys):
        raise ValueError(tr("data.lengths", nx=len(xs), ny=len(ys)))
    if len(ys) < 2:
        raise ValueError(tr("data.few", n=len(ys)))
    xa, ya = xs.astype(dtype), ys.astype(dtype)
    xa.setflags(write=False)
    ya.setflags(write=False)
    return xa, ya


class Dataset:
    """Data to train on: inputs ``x`` ((n,) or (n, d)), targets ``y`` (n,), with names.

    Parameters
    ----------
    name : str
        What the data dropdown and the messages call it.
    x, y : array-like
        Numbers (lists, numpy arrays, torch tensors, pandas Series); ``y`` may be a
        column (n, 1). Checked when built (see :func:`as_dataset`); kept as read-only
        float32 arrays.
    x_name, y_name : str or (str, str)
        What the axes call the input and the target (default 'x' and 'y'); a pair is
        (English, Chinese), as for every text here.
    x_unit, y_unit : str or (str, str)
        Their units, shown on the axes ('' for none).
    description : str or (str, str)
        One line about the data; a pair is (English, Chinese).
    source : str
        Where the data comes from (the embedded sets name their seed lesson).
    """

    def __init__(self, name: str, x: Any, y: Any, *, x_name: Text = "x", y_name: Text = "y",
                 x_unit: Text = "", y_unit: Text = "", description: Text = "",
                 source: str = "") -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(tr("data.text_arg", key="name", value=_short(name)))
        texts = {"x_name": x_name, "y_name": y_name, "x_unit": x_unit, "y_unit": y_unit,
                 "description": description, "source": source}
        for key, text in texts.items():
            pair = isinstance(text, tuple) and len(text) == 2
            if not (isinstance(text, str) or pair and all(isinstance(t, str) for t in text)):
                raise ValueError(tr("data.text_arg", key=key, value=_short(text)))
        self.x, self.y = check_arrays(x, y)
        self.name, self.source = name, source
        self._texts = texts

    def _text(self, key: str) -> str:
        text = self._texts[key]
        return text[get_language() == "zh"] if isinstance(text, tuple) else text

    @property
    def description(self) -> str:
        """One line about the data, in the current language."""
        return self._text("description")

    @property
    def x_name(self) -> str:
        """The input's name (current language)."""
        return self._text("x_name")

    @property
    def y_name(self) -> str:
        """The target's name (current language)."""
        return self._text("y_name")

    @classmethod
    def from_frame(cls, frame: Any, x: str | Sequence[str], y: str, name: str = "",
                   **names: Any) -> Dataset:
        """The columns ``x`` (one name or several) and ``y`` of a pandas DataFrame; the
        column names become the axes' names unless ``x_name``/``y_name`` are given."""
        columns = list(getattr(frame, "columns", []))
        shown = ", ".join(map(repr, columns))
        for column in [x] if isinstance(x, str) else [*x, y]:
            if column not in columns:
                raise ValueError(tr("data.column", value=repr(column), columns=shown))
        if y not in columns:
            raise ValueError(tr("data.column", value=repr(y), columns=shown))
        x_name = x if isinstance(x, str) else ", ".join(x)
        names = {"x_name": x_name, "y_name": y, **names}
        return cls(name or f"{y} ~ {x_name}", frame[x], frame[y], **names)

    @property
    def n_inputs(self) -> int:
        """Input columns: 1 for x of shape (n,)."""
        return 1 if self.x.ndim == 1 else self.x.shape[1]

    @property
    def x_label(self) -> str:
        """The input's axis label, with its unit (current language)."""
        return _label(self.x_name, self._text("x_unit"))

    @property
    def y_label(self) -> str:
        """The target's axis label, with its unit (current language)."""
        return _label(self.y_name, self._text("y_unit"))

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, n={len(self)}, source={self.source!r})"


def _label(name: str, unit: str) -> str:
    return tr("data.label", name=name, unit=unit) if unit else name


def as_dataset(data: Any) -> Dataset:
    """Any data a user can give (a name, ``(x, y)``, a Dataset) as a checked Dataset;
    ValueError naming the broken rule otherwise (a DataFrame: use ``from_frame``)."""
    from . import datasets

    if isinstance(data, Dataset):
        return data
    names = ", ".join(map(repr, datasets.names()))
    if isinstance(data, str):
        if data not in datasets.DATASETS:
            raise ValueError(tr("data.name", value=repr(data), names=names))
        return datasets.DATASETS[data]
    if hasattr(data, "columns") and hasattr(data, "iloc"):  # a pandas DataFrame
        raise ValueError(tr("data.frame", columns=", ".join(map(repr, data.columns))))
    if isinstance(data, tuple | list):
        if len(data) != 2:
            raise ValueError(tr("data.pair", value=f"{type(data).__name__} of {len(data)}"))
        return Dataset(tr("data.your_data"), data[0], data[1])
    raise ValueError(tr("data.kind", names=names, value=_short(data)))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


register({
    "data.your_data": ("your data", "你的数据"),
    "data.text_arg": ("Dataset's {key} must be a text (name: not empty), got {value}",
                      "Dataset 的 {key} 必须是文本（name 不能为空），得到的是 {value}"),
})
