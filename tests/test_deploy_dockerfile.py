"""deploy/k8s/Dockerfile, read without a Docker engine: known instructions, a non-root
user at the end, torch's CPU build only, the package with its extras and the hub's
JupyterHub, existing COPY sources with no solution, the teacher's tools off, the lessons."""

from __future__ import annotations

import re

import pytest
from dockerfile_checks import (
    CPU_INDEX,
    DockerfileError,
    build_args,
    copy_sources,
    expand,
    final_user,
    instructions,
    pip_installs,
    torch_problems,
)
from test_deploy import DOCKERFILE, JUPYTERHUB_VERSION, K8S, ROOT


@pytest.fixture(scope="module")
def steps() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def test_dockerfile_instructions(steps):
    assert steps[0][0] == "ARG" and steps[1][0] == "FROM"
    base = expand(steps[1][1], build_args(steps))
    assert re.fullmatch(r"quay\.io/jupyter/base-notebook:python-3\.11\S*", base)


def test_dockerfile_ends_as_a_user_that_is_not_root(steps):
    user = final_user(steps)
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    assert user == "1000"  # jovyan, NB_UID


def test_dockerfile_installs_torch_for_the_cpu_only(steps):
    assert torch_problems(steps) == []
    pin = re.search(r"^torch==(\S+)\+cpu$", (ROOT / "binder" / "requirements.txt").read_text(),
                    re.M).group(1)
    assert build_args(steps)["TORCH_VERSION"] == pin  # one torch for Binder and the hub


def test_dockerfile_installs_the_package_with_its_extras_and_the_hubs_jupyterhub(steps):
    installs = " ".join(pip_installs(steps))
    assert "/tmp/gdwidgets[lab,homework]" in installs
    assert f"jupyterhub=={JUPYTERHUB_VERSION}" in installs


def test_dockerfile_copies_existing_files_and_no_solution(steps):
    sources = copy_sources(steps)
    assert sources
    for source in sources:
        path = (ROOT / source).resolve()
        assert path.exists(), source
        assert path != ROOT.resolve(), "COPY . would put the solutions in the image"
        for private in ("homework/source", "teacher"):
            assert not (path == ROOT / private or (ROOT / private).resolve() in path.parents
                        or path in (ROOT / private).resolve().parents), source
    ignore = (K8S / "Dockerfile.dockerignore").read_text().split()
    assert {"homework/source", "teacher", ".git"} <= set(ignore)


def test_dockerfile_disables_the_teachers_tools(steps):
    guide = (ROOT / "docs" / "teachers_guide.md").read_text(encoding="utf-8")
    section = guide.split("**Students' set-up on a hub**", 1)[1].split("```", 2)[1]
    wanted = [line.strip() for line in section.splitlines()
              if line.strip().startswith("jupyter ")]
    assert len(wanted) == 4
    run = " ".join(args for word, args in steps if word == "RUN")
    for line in wanted:
        assert " ".join(line.split()) in run


def test_dockerfile_system_packages_and_lessons(steps):
    run = " ".join(args for word, args in steps if word == "RUN")
    apt = re.search(r"apt-get install ([^&]*)", run).group(1).split()
    wanted = (ROOT / "binder" / "apt.txt").read_text().split()
    assert set(wanted) <= set(apt) and {"graphviz", "fonts-noto-cjk"} <= set(apt)
    assert re.search(r"\bgdwidgets lessons /\S+", run)
    copies = [args.split() for word, args in steps if word == "COPY"]
    assert ["deploy/k8s/nbgrader_config.py", "/etc/jupyter/nbgrader_config.py"] in copies


@pytest.mark.parametrize("text, problem", [
    ("FROM x\nRUNN echo\nUSER 1000\n", "unknown instruction"),
    ("FROM x\nrun echo\nUSER 1000\n", "unknown instruction"),
    ("RUN echo\nFROM x\n", "neither FROM nor ARG"),
    ("ARG A=1\nENV B=2\nFROM x\n", "only ARG"),
    ("FROM x\nRUN echo \\\n", "backslash"),
    ("FROM x\nUSER\n", "without arguments"),
])
def test_the_dockerfile_parser_rejects(text, problem):
    with pytest.raises(DockerfileError, match=problem):
        instructions(text)


def test_the_dockerfile_checks_catch_a_bad_image():
    continued = instructions("FROM x\n# comment\nRUN a && \\\n  # inside\n  b\nUSER 1000\n")
    assert continued[1] == ("RUN", "a && b")
    assert final_user(instructions("FROM x\nUSER 1000\nUSER root\n")) == "root"
    with pytest.raises(DockerfileError, match="no USER"):
        final_user(instructions("FROM x\n"))
    cuda = instructions("FROM x\nRUN pip install torch==2.13.0\n")
    assert len(torch_problems(cuda)) == 3
    index = instructions(f"FROM x\nARG I={CPU_INDEX}\nRUN pip install --extra-index-url $I "
                         "torch==2.13.0+cpu && pip install nvidia-cudnn-cu12\n")
    assert torch_problems(index) == ["a CUDA package or index: pip install nvidia-cudnn-cu12"]
    assert copy_sources(instructions("FROM x\nCOPY --chown=1:1 a b /c/\n"
                                     "COPY --from=y /d /e\n")) == ["a", "b"]
