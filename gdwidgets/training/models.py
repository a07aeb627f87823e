"""The four models of the seeds, as functions of one flat parameter block.

Every model keeps its parameters in a tensor ``theta`` of shape (P, R): P numbers per
run, R runs side by side (R = 1 for a :class:`Session`, one column per learning rate in
:func:`lr_sweep`). ``Layout`` maps the P rows to named parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..registry import lookup
from ..settings import MANUAL, MAX_DEGREE, MAX_HIDDEN, MODELS  # noqa: F401 - defined there


@dataclass(frozen=True)
class Layout:
    """Named parameters laid out in the rows of ``theta``."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(math.prod(s) for s in self.shapes)

    @property
    def size(self) -> int:
        return sum(self.sizes)

    def offsets(self) -> dict[str, tuple[int, int]]:
        out, start = {}, 0
        for name, size in zip(self.names, self.sizes):
            out[name] = (start, start + size)
            start += size
        return out

    def unflatten(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """(..., P) -> {name: (..., *shape)}."""
        lead = flat.shape[:-1]
        return {
            name: flat[..., a:b].reshape(lead + shape)
            for (name, (a, b)), shape in zip(self.offsets().items(), self.shapes)
        }


class Model:
    """A model: its layout, its prediction for R runs at once, its default init."""

    kind: str
    design = False  # True when prediction = features(x) @ theta (linear in theta)

    def __init__(self, layout: Layout, features: int) -> None:
        self.layout = layout
        self.d = features

    def features(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - design only
        raise NotImplementedError

    def predict(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Predictions (m, R) for inputs x (m, d) and parameters theta (P, R)."""
        return self.features(x) @ theta

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        """Predictions (m,) written with one named tensor per parameter (for drawing)."""
        raise NotImplementedError

    def init(self, gen: torch.Generator) -> torch.Tensor:
        raise NotImplementedError


def _with_bias(features: torch.Tensor, bias: bool) -> torch.Tensor:
    """The design matrix: ``features`` and, with a bias, a column of ones."""
    return torch.cat([features, torch.ones(len(features), 1)], dim=1) if bias else features


class LinearModel(Model):
    """y = x . w + b (seeds 001, 003, 004), or y = x . w without a bias (seed 002); w is
    a scalar for one input."""

    kind = "linear"
    design = True

    def __init__(self, features: int, bias: bool = True) -> None:
        w_shape = () if features == 1 else (features,)
        names, shapes = ("w", "b")[:1 + bias], (w_shape, ())[:1 + bias]
        super().__init__(Layout(names, shapes), features)
        self.bias = bias

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return _with_bias(x, self.bias)

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        w = params["w"]
        out = w * x[:, 0] if self.d == 1 else x @ w
        return out + params["b"] if self.bias else out

    def init(self, gen: torch.Generator) -> torch.Tensor:
        # seed 004: w = torch.randn(1) after torch.manual_seed(2017), b = torch.zeros(1)
        return torch.cat([torch.randn(self.d, generator=gen), torch.zeros(int(self.bias))])


class PolynomialModel(Model):
    """y = b + w1*x + w2*x^2 + ... + wk*x^k (seeds 002 and 004), b left out without a
    bias."""

    kind = "polynomial"
    design = True

    def __init__(self, degree: int, bias: bool = True) -> None:
        names = tuple(f"w{i}" for i in range(1, degree + 1)) + ("b",) * bias
        super().__init__(Layout(names, ((),) * len(names)), 1)
        self.degree, self.bias = degree, bias
        self._powers = torch.arange(1, degree + 1, dtype=torch.float32)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return _with_bias(x ** self._powers, self.bias)

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        x = x[:, 0]
        out = params["b"] if self.bias else torch.zeros(())
        for i in range(1, self.degree + 1):
            out = out + params[f"w{i}"] * x**i
        return out

    def init(self, gen: torch.Generator) -> torch.Tensor:
        return torch.cat([torch.randn(self.degree, generator=gen),
                          torch.zeros(int(self.bias))])


class TwoLayerModel(Model):
    """y = a2 * (a1*x + b1) + b2: the chain of seed 003."""

    kind = "two_layer"

    def __init__(self) -> None:
        super().__init__(Layout(("a1", "b1", "a2", "b2"), ((),) * 4), 1)

    def predict(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        a1, b1, a2, b2 = theta
        return (x * a1 + b1) * a2 + b2

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        hidden = params["a1"] * x[:, 0] + params["b1"]
        return params["a2"] * hidden + params["b2"]

    def init(self, gen: torch.Generator) -> torch.Tensor:
        a1, a2 = torch.randn(2, generator=gen)
        return torch.stack([a1, torch.tensor(0.0), a2, torch.tensor(0.0)])


class MLPModel(Model):
    """nn.Sequential(nn.Linear(d, h), nn.PReLU(), nn.Linear(h, 1)) as in seed 002; with
    ``hidden`` a tuple (h1, ..., hk), one Linear (and PReLU) per hidden layer; with
    ``activation=None`` no PReLU: seed 003's stack of Linear layers.

    Parameters, in the nn.Sequential's order: one hidden layer (``hidden`` an int or a
    1-tuple) is w1 (h, d), b1 (h,), a (), w2 (h,), b2 (); k > 1 hidden layers are w1, b1,
    a1, ..., wk, bk, ak, then the output layer's w (h_k,) and b (); no a's without PReLU.
    Hidden weights are in nn.Linear's layout (out, in).
    """

    kind = "mlp"

    def __init__(self, features: int, hidden: int | tuple[int, ...],
                 activation: str | None = "prelu") -> None:
        sizes = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        self.sizes, self.prelu = sizes, activation == "prelu"
        names: list[str] = []
        shapes: list[tuple[int, ...]] = []
        n_in = features
        for k, h in enumerate(sizes, 1):
            names += [f"w{k}", f"b{k}"]
            shapes += [(h, n_in), (h,)]
            if self.prelu:
                names.append("a" if len(sizes) == 1 else f"a{k}")
                shapes.append(())
            n_in = h
        last = len(sizes) + 1
        names += [f"w{last}", f"b{last}"]
        shapes += [(n_in,), ()]
        super().__init__(Layout(tuple(names), tuple(shapes)), features)
        self.h = sizes[0]

    def split(self, theta: torch.Tensor) -> list[list[torch.Tensor]]:
        """Per layer, its parameters as (P, R) rows make them: [w (out, in, R), b (out, R)]
        and, after a hidden layer with PReLU, a (1, R); the output layer's w is (in, R),
        its b (1, R)."""
        rows = torch.split(theta, self.layout.sizes)
        per = 3 if self.prelu else 2
        layers = []
        for k, shape in enumerate(self.layout.shapes[:-2:per]):
            w, *rest = rows[per * k:per * k + per]
            layers.append([w.reshape(*shape, -1), *rest])
        layers.append(list(rows[-2:]))
        return layers

    def predict(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        *hidden, (w_out, b_out) = self.split(theta)
        act: torch.Tensor = x
        for k, (w, b, *a) in enumerate(hidden):
            spec = "md,hdr->mhr" if k == 0 else "mdr,hdr->mhr"
            act = z = torch.einsum(spec, act, w) + b
            if a:
                act = torch.where(z >= 0, z, a[0] * z)
        return (act * w_out).sum(1) + b_out

    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        names = self.layout.names
        per = 3 if self.prelu else 2
        act = x
        for k in range(len(self.sizes)):
            w, b, *a = names[per * k:per * k + per]
            act = act @ params[w].T + params[b]
            if a:
                act = torch.nn.functional.prelu(act, params[a[0]].reshape(1))
        return act @ params[names[-2]] + params[names[-1]]

    def init(self, gen: torch.Generator) -> torch.Tensor:
        # the same draws, in the same order, as the nn.Sequential of nn.Linear (and
        # nn.PReLU, which draws nothing: a = 0.25) layers
        def linear(fan_in: int, fan_out: int) -> list[torch.Tensor]:
            gain = math.sqrt(2.0 / (1 + 5))  # kaiming_uniform_(a=sqrt(5))
            bound_w = math.sqrt(3.0) * gain / math.sqrt(fan_in)
            bound_b = 1 / math.sqrt(fan_in)
            w = torch.empty((fan_out, fan_in)).uniform_(-bound_w, bound_w, generator=gen)
            b = torch.empty(fan_out).uniform_(-bound_b, bound_b, generator=gen)
            return [w.reshape(-1), b]

        parts: list[torch.Tensor] = []
        n_in = self.d
        for h in self.sizes:
            parts += linear(n_in, h)
            if self.prelu:
                parts.append(torch.tensor([0.25]))
            n_in = h
        return torch.cat([*parts, *linear(n_in, 1)])


# name -> a maker (features, degree, hidden, bias, activation) -> the model; adding a
# model is an entry here and its name in settings.MODELS (a test holds them equal).
BUILDERS: dict[str, Callable[..., Model]] = {
    "linear": lambda features, degree, hidden, bias, activation: LinearModel(features, bias),
    "polynomial": lambda features, degree, hidden, bias, activation: PolynomialModel(degree,
                                                                                      bias),
    "two_layer": lambda features, degree, hidden, bias, activation: TwoLayerModel(),
    "mlp": lambda features, degree, hidden, bias, activation: MLPModel(features, hidden,
                                                                        activation),
}


def build_model(kind: str, features: int, degree: int, hidden: int | tuple[int, ...],
                bias: bool = True, activation: str | None = "prelu") -> Model:
    """The model ``kind`` for ``features`` inputs (settings already validated); an
    unknown ``kind`` raises ValueError naming the known ones."""
    return lookup(BUILDERS, "model", kind)(features, degree, hidden, bias, activation)
