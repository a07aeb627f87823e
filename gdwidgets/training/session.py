"""Session: one experiment of the seeds, configured by keyword, run fast, recorded."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch

from .. import losses
from ..losses import factor, reduce
from ..renames import STEP_IS_UPDATE_DONE, renamed
from ..settings import defaults, docstring, signature
from .config import Config, validate
from .engine import EXPLOSION_STEPS, train
from .history import History
from .models import Model, build_model

DEFAULTS: dict[str, Any] = defaults("session")


class BatchLoss(NamedTuple):
    """One step's loss with its autograd graph: ``loss.backward()`` fills ``params``."""

    loss: torch.Tensor
    params: dict[str, torch.Tensor]  # leaf tensors, requires_grad=True
    x: torch.Tensor  # the batch's (transformed) inputs, (m, d)
    y: torch.Tensor
    prediction: torch.Tensor


class Problem:
    """What a config turns into: the model, transformed data, initial parameters."""

    def __init__(self, config: Config) -> None:
        self.config = cfg = config
        self.loss = losses.get(cfg.loss)
        self.model: Model = build_model(cfg.model, cfg.x.shape[1], cfg.degree, cfg.hidden,
                                         cfg.bias, cfg.activation)
        x = torch.from_numpy(cfg.x.copy())
        self.mean = self.std = self.factor = None
        if cfg.normalize is True:  # standardise, as seed 000 does (unbiased std)
            self.mean, self.std = x.mean(0), x.std(0)
        elif cfg.normalize is not False:
            self.factor = cfg.normalize  # e.g. seed 001's t_un = 0.1 * t_u
        self.x = self.transform(x)
        self.y = torch.from_numpy(cfg.y.copy())
        self.gen = torch.Generator().manual_seed(cfg.seed)
        theta = self.model.init(self.gen)  # always drawn, so shuffling never depends on init
        if isinstance(cfg.init, float):
            theta = torch.full_like(theta, cfg.init)
        elif cfg.init:
            for name, (a, b) in cfg.layout.offsets().items():
                if name in cfg.init:
                    theta[a:b] = torch.from_numpy(cfg.init[name].reshape(-1))
        self.theta0 = theta

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        """Raw inputs (n, d) -> what the model sees."""
        if self.mean is not None:
            return (x - self.mean) / self.std
        if self.factor is not None:
            return self.factor * x
        return x

    def predict(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Predictions (numpy) for raw x ((n,) or (n, d)) and flat parameters (P,)."""
        xt = torch.from_numpy(np.array(x, dtype=np.float32))
        xt = xt.reshape(len(xt), -1)
        with torch.no_grad():
            out = self.model.predict(torch.from_numpy(theta).reshape(-1, 1), self.transform(xt))
        return out[:, 0].numpy()

    def rates(self, divide: tuple[float, ...] = (1.0,)) -> torch.Tensor:
        """The learning rates of runs side by side, run r's divided by ``divide[r]``: (R,)
        for one lr, (P, R) for one per parameter."""
        cfg = self.config
        d = torch.tensor(divide, dtype=torch.float64)
        if isinstance(cfg.lr, dict):
            per = torch.cat([torch.full((b - a,), cfg.lr[n], dtype=torch.float64)
                             for n, (a, b) in cfg.layout.offsets().items()])
            return (per[:, None] / d[None, :]).float()
        return (cfg.lr / d).float()

    def full_loss(self, theta: torch.Tensor) -> torch.Tensor:
        """The loss on all the data (the run's ``reduction``) of flat parameters
        (P, R) -> (R,)."""
        with torch.no_grad():
            y = self.y.reshape(-1, 1)
            err = self.model.predict(theta, self.x) - y
            return self.loss.point(err, -y).mean(0) * factor(self.config.reduction, len(y))

    def run(self, lr: torch.Tensor, **overrides: Any) -> Any:
        cfg = self.config
        self.gen.manual_seed(cfg.seed)
        self.model.init(self.gen)  # replay the init draws so every run shuffles alike
        settings = dict(epochs=cfg.epochs, batch_size=cfg.batch, shuffle=cfg.shuffle,
                        optimizer=cfg.optimizer, gradients=cfg.gradients,
                        zero_grad=cfg.zero_grad, accumulate=cfg.accumulate, gen=self.gen,
                        reduction=cfg.reduction, loss=self.loss)
        settings.update(overrides)
        return train(self.model, self.x, self.y, self.theta0, lr, **settings)


def _fell(problem: Problem, raw: Any) -> np.ndarray:
    """(R,) whether each run ends with a lower loss on all the data than it started."""
    return (problem.full_loss(raw.theta[-1]) < problem.full_loss(raw.theta[0])).numpy()


class Session:
    """One training experiment, configured by keyword; every setting is checked at
    construction (ValueError naming it), before any work.

    >>> h = Session(dataset='thermometer', gradients='manual', normalize=0.1, lr=1e-2,
    ...             epochs=5000, init={'w': 1.0, 'b': 0.0}).run()
    >>> round(float(h.final['w']), 4), round(float(h.final['b']), 4)
    (5.3671, -17.3012)
    """

    def __init__(self, **settings: Any) -> None:
        """Check the settings (see the class's Parameters); ``run()`` trains."""
        self.config = validate(**settings)
        self._problem = Problem(self.config)
        self.history: History | None = None

    @property
    def model(self) -> Model:
        return self._problem.model

    @property
    def initial_params(self) -> dict[str, np.ndarray]:
        return self.config.layout.unflatten(self._problem.theta0.numpy())

    def replace(self, **changes: Any) -> Session:
        """A new session with some settings changed (validated again)."""
        return Session(**{**self.config.settings(), **changes})

    def run(self) -> History:
        """Train; return (and keep in ``self.history``) the record of the run."""
        p = self._problem
        raw = p.run(p.rates(), after=EXPLOSION_STEPS)  # a diverged run: its explosion too
        s, steps = int(raw.diverged_step[0]), int(raw.recorded[0])
        self.history = History(
            self.config, raw.loss[:steps, 0].numpy(), raw.theta[: steps + 1, :, 0].numpy(),
            raw.grad[:steps, :, 0].numpy(), raw.batch_index.numpy(), s, p.predict,
        )
        if self.history.diverged:  # the message names what to try, each setting run first
            self.history.advice = self._advice()
        return self.history

    def _advice(self) -> dict[str, object]:
        """Settings checked to converge, for a run that diverged: the largest of lr/3,
        lr/10, ... lr/1000 whose run ends below its first loss (one vectorised run), and
        whether standardised inputs make this lr converge."""
        cfg, p = self.config, self._problem
        divide = (3, 10, 30, 100, 300, 1000)
        raw = p.run(p.rates(divide))
        ok = (raw.diverged_step.numpy() == 0) & _fell(p, raw)
        k = divide[int(np.argmax(ok))] if ok.any() else None
        lr = cfg.lr if k is None else (  # the largest checked lr (or rates), each / k
            {n: r / k for n, r in cfg.lr.items()} if isinstance(cfg.lr, dict) else cfg.lr / k)
        advice: dict[str, object] = {"lr": None if k is None else lr}
        if cfg.normalize is False and p.model.kind != "mlp" and cfg.bias:
            scaled = Problem(validate(**{**cfg.settings(), "normalize": True}))
            again = scaled.run(scaled.rates())
            advice["normalize"] = bool(again.diverged_step[0] == 0 and _fell(scaled, again)[0])
        return advice

    def losses(self, thetas: np.ndarray) -> np.ndarray:
        """Full-data loss for many flat parameter vectors at once: (R, P) -> (R,).

        For drawing a loss surface: a grid of (w, b) is one call.
        """
        theta = torch.as_tensor(np.asarray(thetas, dtype=np.float32)).T
        return self._problem.full_loss(theta).numpy()

    def least_squares(self) -> np.ndarray | None:
        """The flat parameters of least full-data loss, for models linear in their
        parameters (linear, polynomial); None for the others."""
        p = self._problem
        if not p.model.design:
            return None
        features = p.model.features(p.x).double()
        solution = torch.linalg.lstsq(features, p.y.double().reshape(-1, 1)).solution
        return solution[:, 0].float().numpy()

    def curvature_ratio(self) -> float | None:
        """How much steeper the full-data loss surface is in its steepest direction than
        in its flattest (the Hessian's condition number; 1: a round bowl, large: a long
        narrow valley), for models linear in their parameters; None for the others."""
        p = self._problem
        if not p.model.design:
            return None
        features = p.model.features(p.x).double()
        eig = torch.linalg.eigvalsh(features.T @ features)
        return float(eig[-1] / eig[0])

    @renamed(STEP_IS_UPDATE_DONE, step="update")
    def batch_loss(self, update: int, history: History | None = None) -> BatchLoss:
        """The loss whose gradient made update ``update`` (from 1: the first update, made
        at step 0) of a run, rebuilt with its autograd graph from the parameters before
        that update, one named leaf per parameter."""
        history = history or self.history
        if history is None:
            raise RuntimeError("call run() first")
        rows = torch.from_numpy(history.batch(update))
        theta = history.theta[update - 1]
        params = {
            name: torch.tensor(value, requires_grad=True)
            for name, value in self.config.layout.unflatten(theta).items()
        }
        x, y = self._problem.x[rows], self._problem.y[rows]
        parts = -(-len(rows) // self.config.batch)  # micro-batches: the loop averages them
        with torch.enable_grad():
            prediction = self.model.forward(params, x)
            loss = reduce(self._problem.loss.drawn(prediction, y), self.config.reduction, parts)
        return BatchLoss(loss, params, x, y, prediction)

    def __repr__(self) -> str:
        return f"Session({self.config!r})"


Session.__doc__ = docstring("session", Session.__doc__ or "")
Session.__signature__ = signature("session")  # type: ignore[attr-defined]
