"""The numeric tests again under each other set of vector kernels torch can pick on this CPU.

torch chooses its kernels by CPU (``ATEN_CPU_CAPABILITY``: default, avx2, avx512), and
each rounds float32 sums in its own order. The rest of the suite runs under the kernels
this machine picks; here the numeric tests run again, in subprocesses started side by
side, under every other set the CPU supports. A comparison that holds only on some CPUs
then fails on every machine, not only on a newcomer's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

CAPABILITIES = ("default", "avx2", "avx512")
NUMERIC_TESTS = [
    "tests/test_datasets.py",
    "tests/test_training.py",
    "tests/test_seed_variants.py",
    "tests/test_training_config.py",
    "tests/test_homework.py",
    "tests/test_widget_backprop.py",
    "tests/test_widget_chain_rule.py",
    "tests/test_widget_learning_rate.py",
    "tests/test_widget_regression.py",
]
ROOT = Path(__file__).resolve().parents[1]
NATIVE = torch.backends.cpu.get_cpu_capability().lower()
Run = tuple[subprocess.Popen, Path]  # a pytest subprocess and its log
PROBE = "import torch; print(torch.backends.cpu.get_cpu_capability().lower())"


def _env(capability: str) -> dict[str, str]:
    # the venv's tools on PATH, as ./run test has them (nbgrader calls alembic)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "ATEN_CPU_CAPABILITY": capability}


def _supported(capability: str) -> bool:
    """Whether torch really uses ``capability`` when asked (it falls back to what the CPU
    has, so avx512 on a CPU without it reports avx2)."""
    out = subprocess.run([sys.executable, "-c", PROBE], env=_env(capability),
                         capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip() == capability


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """One pytest subprocess per other capability, all started at once (the parent only
    waits, so two of them use both cores)."""
    started = {}
    for capability in CAPABILITIES:
        if capability == NATIVE or not _supported(capability):
            continue
        log = tmp_path_factory.mktemp(f"kernels-{capability}") / "pytest.log"
        command = [sys.executable, "-m", "pytest", *NUMERIC_TESTS, "-q", "-p",
                   "no:cacheprovider", "--basetemp", str(log.parent / "tmp"),
                   "-k", "not no_leaks and not leak_no_memory"]  # memory over many
        # redraws: no numbers compared, and the longest tests of these files
        with open(log, "w") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=_env(capability), stdout=out,
                                       stderr=subprocess.STDOUT)
        started[capability] = (process, log)
    yield started
    for process, _ in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_numeric_tests_pass_under(capability: str, runs: dict[str, Run]) -> None:
    if capability == NATIVE:
        pytest.skip(f"{capability} is what this CPU picks: the whole suite runs under it")
    if capability not in runs:
        pytest.skip(f"this CPU does not support {capability} (torch uses {NATIVE})")
    process, log = runs[capability]
    code = process.wait(timeout=1200)
    text = log.read_text()
    assert code == 0, f"ATEN_CPU_CAPABILITY={capability}: numeric tests failed\n{text[-6000:]}"
    assert " passed" in text.splitlines()[-1]
