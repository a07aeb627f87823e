"""Binder (repo2docker) files agree with pyproject, install the CPU build of torch (never
CUDA's), and installing from them works (in the fresh environment of tests/fresh_env.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).parent.parent
BINDER = ROOT / "binder"


def names(specs: list[str]) -> dict[str, str]:
    """{normalised name: the spec without its name}."""
    out = {}
    for spec in specs:
        spec = spec.split("#")[0].strip()
        if not spec or spec.startswith("-"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)(.*)", spec)
        out[m.group(1).lower().replace("_", "-")] = m.group(2).strip()
    return out


CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_PACKAGES = re.compile(r"^(nvidia-.*|triton|cuda-.*)$")


def torch_pin_problems(requirements: str) -> list[str]:
    """What would let a requirements file install a CUDA build of torch."""
    lines = [line.split("#")[0].strip() for line in requirements.splitlines()]
    problems = []
    if not any(re.fullmatch(rf"--(extra-)?index-url[ =]{re.escape(CPU_INDEX)}/?", line)
               for line in lines):
        problems.append(f"no --extra-index-url {CPU_INDEX} line")
    torch = names(lines).get("torch")
    if torch is None or not re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", torch):
        problems.append(f"torch is {torch!r}, not pinned to a +cpu build (torch==X.Y.Z+cpu)")
    return problems


def run_script_problems(script: str) -> list[str]:
    """What would let ./run install a CUDA build of torch on Linux."""
    problems = []
    if f"TORCH_CPU_INDEX={CPU_INDEX}" not in script:
        problems.append("TORCH_CPU_INDEX is not PyTorch's CPU index")
    linux = re.search(r'if \[ "\$\(uname\)" = Linux \]; then(.*?)fi', script, re.S)
    if not linux or 'want="$TORCH_VERSION+cpu"' not in linux.group(1):
        problems.append("on Linux, torch is not pinned to $TORCH_VERSION+cpu")
    elif not re.search(r'index=\(--extra-index-url "\$TORCH_CPU_INDEX" --timeout (\d+) '
                       r'--retries 1\)', linux.group(1)):
        problems.append("on Linux, the CPU index is not added with a short timeout and "
                        "--retries 1")
    installs = [line for line in script.splitlines()
                if "pip install" in line and "torch" in line and not line.strip().startswith("#")]
    if not installs or any('"torch==$want"' not in line or "index[@]" not in line
                           for line in installs):
        problems.append(f"a torch install without the CPU index: {installs}")
    return problems


def test_requirements_match_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = names(project["dependencies"] + project["optional-dependencies"]["lab"])
    binder = names((BINDER / "requirements.txt").read_text().splitlines())
    assert binder.keys() == wanted.keys()
    run = (ROOT / "run").read_text()
    version = re.search(r"^TORCH_VERSION=(\S+)$", run, re.M).group(1)
    for name, spec in binder.items():
        if name == "torch":  # the CPU build of the version ./run installs and CI tests
            assert spec == f"=={version}+cpu" and wanted[name] == ">=2.1"
        else:
            assert spec == wanted[name], name


def test_binder_and_run_install_torch_from_the_cpu_index():
    assert torch_pin_problems((BINDER / "requirements.txt").read_text()) == []
    assert run_script_problems((ROOT / "run").read_text()) == []


def test_the_cpu_checks_fail_on_a_cuda_install():
    # binder/requirements.txt and ./run's torch line as they were: PyPI's CUDA build
    assert torch_pin_problems("torch==2.13.0\nnumpy>=1.24\n") == [
        f"no --extra-index-url {CPU_INDEX} line",
        "torch is '==2.13.0', not pinned to a +cpu build (torch==X.Y.Z+cpu)"]
    assert len(torch_pin_problems(f"--extra-index-url {CPU_INDEX}\ntorch>=2.1\n")) == 1
    old_run = 'TORCH_VERSION=2.13.0\n    $pip install "torch==$TORCH_VERSION"\n'
    assert len(run_script_problems(old_run)) == 3
    good = (ROOT / "run").read_text()
    assert run_script_problems(good.replace("--retries 1", "--retries 5"))
    assert run_script_problems(good + '\n$pip install "torch==$TORCH_VERSION"\n')


def test_system_packages_and_post_build():
    apt = (BINDER / "apt.txt").read_text().split()
    assert "graphviz" in apt and "fonts-noto-cjk" in apt
    post = (BINDER / "postBuild").read_text()
    assert "pip install" in post and os.access(BINDER / "postBuild", os.X_OK)


def test_the_binder_image_has_cpu_torch_and_no_cuda(fresh_env):
    got = fresh_env.binder_packages
    assert got["torch"].endswith("+cpu") and got["gdwidgets"]
    assert sorted(p for p in got if CUDA_PACKAGES.match(p.lower())) == []
    code = "import torch; print(torch.version.cuda, torch.cuda.is_available())"
    assert fresh_env.run(fresh_env.python, "-c", code).stdout == "None False\n"
    assert fresh_env.run(fresh_env.python, "-m", "pip", "check").returncode == 0
    settings = (fresh_env.binder_home / ".jupyter/lab/user-settings/@jupyterlab/"
                "apputils-extension/notification.jupyterlab-settings")
    assert '"fetchNews": "false"' in settings.read_text()


def test_a_widget_works_in_the_binder_environment(fresh_env):
    code = ("import gdwidgets, sys; assert 'torch' not in sys.modules;"
            "w = gdwidgets.RegressionWidget(graph=True); print(len(w.graph_svg) > 1000,"
            " w.image.value[:4] == b'\\x89PNG', gdwidgets.__file__)")
    out = fresh_env.run(fresh_env.python, "-c", code).stdout
    assert out.startswith("True True") and str(fresh_env.root / "venv") in out
