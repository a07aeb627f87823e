"""Fingerprints of today's default 'mlp' runs (issue #27): run before and after a change to
the mlp; ``tests/test_matrix_backprop.py`` asserts the recorded ones bit for bit.

    python tools/mlp_baseline.py   # prints {case: sha256 of loss, theta and grads}
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

CASES: dict[str, dict[str, Any]] = {
    "default": dict(model="mlp"),
    "y2x_adam": dict(dataset="y2x", model="mlp", hidden=1, optimizer="adam", lr=0.01,
                     epochs=30, seed=5),
    "y2x_loader": dict(dataset="y2x", model="mlp", hidden=1, optimizer="adam", lr=0.01,
                       batch_size=1, shuffle="loader", seed=1, epochs=30),
    "y2x_h2": dict(dataset="y2x", model="mlp", hidden=2, lr=1e-3, epochs=40),
    "plane2d_h4": dict(dataset="plane2d", model="mlp", lr=1e-3, epochs=3, hidden=4),
    "plane2d_h8_momentum": dict(dataset="plane2d", model="mlp", hidden=8, lr=1e-2,
                                optimizer="momentum", batch_size=10, shuffle=True, epochs=5,
                                seed=3),
    "regression_widget": dict(dataset="linear15", model="mlp", lr=1e-2, epochs=100),
    "linear15_normalized": dict(dataset="linear15", model="mlp", lr=1e-2, epochs=100,
                              normalize=True, seed=0),
}
SWEEP = dict(dataset="y2x", model="mlp", hidden=2, lrs=[1e-4, 1e-3, 0.3, 1.5], epochs=20)


def fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()[:16]


def session_print(settings: dict[str, Any]) -> str:
    from gdwidgets.training import Session

    h = Session(**settings).run()
    return fingerprint(h.loss, h.theta, *h.grads.values())


def sweep_print() -> str:
    from gdwidgets.training import lr_sweep

    r = lr_sweep(**SWEEP)
    return fingerprint(r.loss, r.final_loss)


if __name__ == "__main__":
    for name, settings in CASES.items():
        print(f"{name!r}: {session_print(settings)!r},")
    print(f"'sweep': {sweep_print()!r},")
