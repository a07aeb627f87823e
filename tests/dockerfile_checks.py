"""A small reader of Dockerfiles for tests/test_deploy*.py: the instructions, the final
user, the build arguments, the pip installs, torch's index and pin, and the COPY sources
(hand-written: only what deploy/k8s/Dockerfile uses)."""

from __future__ import annotations

import re

KNOWN = {"FROM", "ARG", "ENV", "RUN", "COPY", "USER", "WORKDIR", "LABEL", "EXPOSE", "CMD"}
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


class DockerfileError(ValueError):
    pass


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction: comment lines dropped (also inside a
    continuation, as Docker does), lines ending in a backslash joined to the next."""
    out: list[tuple[str, str]] = []
    pending = ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if not line.strip():
            continue
        word, _, args = line.strip().partition(" ")
        if word.upper() not in KNOWN or word != word.upper():
            raise DockerfileError(f"line {number}: unknown instruction {word!r}")
        if not args.strip():
            raise DockerfileError(f"line {number}: {word} without arguments")
        out.append((word, " ".join(args.split())))
    if pending:
        raise DockerfileError("the last line ends with a backslash")
    if not out or out[0][0] not in ("FROM", "ARG"):
        raise DockerfileError("the first instruction is neither FROM nor ARG")
    first_from = next((i for i, (word, _) in enumerate(out) if word == "FROM"), None)
    if first_from is None or any(word != "ARG" for word, _ in out[:first_from]):
        raise DockerfileError("only ARG may come before FROM")
    return out


def final_user(steps: list[tuple[str, str]]) -> str:
    users = [args for word, args in steps if word == "USER"]
    if not users:
        raise DockerfileError("no USER: the image would run as the base image's user")
    return users[-1]


def build_args(steps: list[tuple[str, str]]) -> dict[str, str]:
    """ARG defaults (NAME=value)."""
    return dict(args.split("=", 1) for word, args in steps if word == "ARG" and "=" in args)


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)",
                  lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)


def pip_installs(steps: list[tuple[str, str]]) -> list[str]:
    """Each `pip install ...` command of the RUN instructions, build arguments filled in."""
    variables = build_args(steps)
    commands = []
    for word, args in steps:
        if word == "RUN":
            for part in re.split(r"&&|;|\|\|", expand(args, variables)):
                if re.search(r"\bpip install\b", part):
                    commands.append(" ".join(part.split()).replace('"', "").replace("'", ""))
    return commands


def torch_problems(steps: list[tuple[str, str]]) -> list[str]:
    """What would put a CUDA build of torch in the image."""
    installs = pip_installs(steps)
    problems = []
    if not installs or not re.search(r"\btorch==\d+\.\d+\.\d+\+cpu\b", installs[0]):
        problems.append("the first pip install is not torch==X.Y.Z+cpu")
    for command in installs:
        if re.search(r"\btorch\b", command):
            if f"--extra-index-url {CPU_INDEX}" not in command and \
                    f"--index-url {CPU_INDEX}" not in command:
                problems.append(f"torch without the CPU index: {command}")
            if not re.search(r"\btorch==\d+\.\d+\.\d+\+cpu\b", command):
                problems.append(f"torch not pinned to a +cpu build: {command}")
        if re.search(r"nvidia|cuda|/whl/cu\d", command, re.I):
            problems.append(f"a CUDA package or index: {command}")
    return problems


def copy_sources(steps: list[tuple[str, str]]) -> list[str]:
    """The build-context paths COPY reads (not those from another stage)."""
    sources = []
    for word, args in steps:
        if word == "COPY":
            parts = args.split()
            flags = [p for p in parts if p.startswith("--")]
            if any(f.startswith("--from") for f in flags):
                continue
            sources += [p for p in parts if not p.startswith("--")][:-1]
    return sources
