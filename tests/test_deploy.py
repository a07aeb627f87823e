"""The Kubernetes recipe (deploy/k8s/) holds together without a cluster or a Docker engine.

Helm ignores a misspelt key without a word (``singleuser.memroy`` leaves the chart's
default in place), so every key path of values.yaml must be in CHART_KEYS, a list kept by
hand from the chart's documented values (no copy of the chart's schema). The memory
numbers agree with the measurement, the Dockerfile is made of known instructions, ends as
a non-root user, installs torch's CPU build (never CUDA's) and copies only files that exist
and hold no solution, and the image, the values and the exchange volume agree with each
other.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml  # PyYAML: from jupyter-events, which JupyterLab (the test extra) brings

ROOT = Path(__file__).parent.parent
K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = K8S / "Dockerfile"

# Zero to JupyterHub chart 4.4.0 runs JupyterHub 5.5.0 (its Chart.yaml appVersion); the
# image's jupyterhub-singleuser must match the hub's.
CHART_VERSION = "4.4.0"
JUPYTERHUB_VERSION = "5.5.0"

# Measured by the load test on one machine, MB = 10**6 bytes (from docs/deploy.md):
# PSS median of a lesson's kernel after the lesson, and of the single-user server.
KERNEL_PSS_MB = 223
SERVER_PSS_MB = 126
TWO_LESSONS_MB = 572  # the server and two lessons' kernels

# Every key path values.yaml may use, checked by hand against the chart's documented values
# (https://z2jh.jupyter.org/en/stable/resources/reference.html) for chart 4.x; hub.config.*
# are traitlets of JupyterHub and NativeAuthenticator, which the chart passes through.
# "[]" is an item of a list. Only the keys the file uses and their parents: a new key is
# added here after checking its spelling in the chart's reference.
CHART_KEYS = frozenset({
    "hub",
    "hub.config",
    "hub.config.JupyterHub",
    "hub.config.JupyterHub.authenticator_class",
    "hub.config.Authenticator",
    "hub.config.Authenticator.admin_users",
    "hub.config.Authenticator.allow_all",
    "hub.config.NativeAuthenticator",
    "hub.config.NativeAuthenticator.open_signup",
    "hub.config.NativeAuthenticator.minimum_password_length",
    "hub.config.NativeAuthenticator.check_common_password",
    "hub.extraConfig",
    "singleuser",
    "singleuser.image",
    "singleuser.image.name",
    "singleuser.image.tag",
    "singleuser.uid",
    "singleuser.fsGid",
    "singleuser.defaultUrl",
    "singleuser.memory",
    "singleuser.memory.guarantee",
    "singleuser.memory.limit",
    "singleuser.cpu",
    "singleuser.cpu.guarantee",
    "singleuser.cpu.limit",
    "singleuser.storage",
    "singleuser.storage.type",
    "singleuser.storage.capacity",
    "singleuser.storage.extraVolumes",
    "singleuser.storage.extraVolumes[].name",
    "singleuser.storage.extraVolumes[].persistentVolumeClaim",
    "singleuser.storage.extraVolumes[].persistentVolumeClaim.claimName",
    "singleuser.storage.extraVolumeMounts",
    "singleuser.storage.extraVolumeMounts[].name",
    "singleuser.storage.extraVolumeMounts[].mountPath",
    "singleuser.lifecycleHooks",
    "singleuser.lifecycleHooks.postStart",
    "singleuser.lifecycleHooks.postStart.exec",
    "singleuser.lifecycleHooks.postStart.exec.command",
    "scheduling",
    "scheduling.userScheduler",
    "scheduling.userScheduler.enabled",
    "prePuller",
    "prePuller.hook",
    "prePuller.hook.enabled",
    "prePuller.continuous",
    "prePuller.continuous.enabled",
    "cull",
    "cull.enabled",
    "cull.timeout",
    "cull.every",
    "proxy",
    "proxy.https",
    "proxy.https.enabled",
    "proxy.https.type",
    "proxy.https.hosts",
    "proxy.https.letsencrypt",
    "proxy.https.letsencrypt.contactEmail",
})
# Maps whose keys are names of your choosing (hub.extraConfig: name -> Python snippet).
FREE_FORM = frozenset({"hub.extraConfig"})

# The PersistentVolumeClaim's keys (Kubernetes core/v1), by hand as above.
PVC_KEYS = frozenset({
    "apiVersion", "kind", "metadata", "metadata.name", "spec", "spec.accessModes",
    "spec.storageClassName", "spec.resources", "spec.resources.requests",
    "spec.resources.requests.storage",
})


def key_paths(tree: object, prefix: str = "", free: frozenset[str] = FREE_FORM) -> set[str]:
    """Every dotted key path in a YAML tree; a list's items are "[]"; a free-form map's own
    keys are not descended into."""
    paths: set[str] = set()
    if isinstance(tree, dict):
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            if path not in free:
                paths |= key_paths(value, path, free)
    elif isinstance(tree, list):
        for item in tree:
            paths |= key_paths(item, f"{prefix}[]", free)
    return paths


def unknown_keys(values: dict) -> list[str]:
    """The key paths of a values tree that are not chart keys (a typo, or a key to check)."""
    return sorted(key_paths(values) - CHART_KEYS)


class UniqueKeyLoader(yaml.SafeLoader):
    """safe_load, but a key given twice in one map is an error (PyYAML keeps the last one
    silently: a second `singleuser:` block would drop the first)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        if twice:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate keys {twice}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def parse(text: str):
    return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader: no Python objects


def load(name: str) -> dict:
    return parse((K8S / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def values() -> dict:
    return load("values.yaml")


def get(tree: dict, path: str):
    for part in path.split("."):
        tree = tree[part]
    return tree


# --- sizes -----------------------------------------------------------------------------

JUPYTERHUB_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
K8S_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15,
             "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
             "Ei": 2**60}


def jupyterhub_bytes(spec: object) -> int:
    """singleuser.memory.*: JupyterHub's ByteSpecification (an integer of bytes, or a number
    with K, M, G or T, powers of 1024). Kubernetes' "512Mi" is not accepted there."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])?", str(spec))
    if isinstance(spec, bool) or not m:
        raise ValueError(f"not a JupyterHub byte size: {spec!r} (use K, M, G or T)")
    return int(float(m.group(1)) * JUPYTERHUB_UNITS.get(m.group(2) or "", 1))


def k8s_bytes(quantity: object) -> int:
    """A Kubernetes quantity of bytes ("1Gi", "500M", "1000")."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?", str(quantity))
    if isinstance(quantity, bool) or not m:
        raise ValueError(f"not a Kubernetes quantity of bytes: {quantity!r}")
    return int(float(m.group(1)) * K8S_UNITS[m.group(2) or ""])


def test_byte_parsers():
    assert jupyterhub_bytes("512M") == 512 * 2**20 and jupyterhub_bytes("1G") == 2**30
    assert jupyterhub_bytes(1000) == 1000
    assert k8s_bytes("1Gi") == 2**30 and k8s_bytes("500M") == 500 * 10**6
    for bad in ("512Mi", "1 G", "1g", "", "-1G", True):
        with pytest.raises(ValueError):
            jupyterhub_bytes(bad)
    for bad in ("1GB", "1gi", "Gi"):
        with pytest.raises(ValueError):
            k8s_bytes(bad)


# --- values.yaml -----------------------------------------------------------------------

def test_a_key_given_twice_is_an_error():
    assert parse("a:\n  b: 1\nc: 2\n") == {"a": {"b": 1}, "c": 2}
    with pytest.raises(yaml.YAMLError, match="duplicate keys"):
        parse("singleuser:\n  uid: 1000\ncull: {}\nsingleuser:\n  fsGid: 100\n")
    with pytest.raises(yaml.YAMLError):
        parse("a: [1\n")


def test_values_use_only_chart_keys(values):
    assert unknown_keys(values) == [], "not chart keys (misspelt, or add after checking)"


def test_chart_keys_list_has_no_stale_entries(values):
    assert sorted(CHART_KEYS - key_paths(values)) == [], "unused: remove from CHART_KEYS"


@pytest.mark.parametrize("path, typo", [
    ("singleuser.memory", "memroy"),
    ("cull.timeout", "timout"),
    ("hub.config.NativeAuthenticator.open_signup", "openSignup"),
    ("singleuser.storage.extraVolumeMounts", "extraVolumeMount"),
])
def test_a_misspelt_key_is_caught(values, path, typo):
    broken = copy.deepcopy(values)
    *parents, last = path.split(".")
    parent = get(broken, ".".join(parents))
    parent[typo] = parent.pop(last)
    assert ".".join([*parents, typo]) in unknown_keys(broken)


def test_a_misspelt_key_inside_a_list_item_is_caught(values):
    broken = copy.deepcopy(values)
    volume = get(broken, "singleuser.storage.extraVolumes")[0]
    volume["persistentVolumeClam"] = volume.pop("persistentVolumeClaim")
    assert unknown_keys(broken) == ["singleuser.storage.extraVolumes[].persistentVolumeClam",
                                    "singleuser.storage.extraVolumes[].persistentVolumeClam"
                                    ".claimName"]


def test_free_form_config_is_python_snippets(values):
    for name, code in get(values, "hub.extraConfig").items():
        assert isinstance(name, str) and isinstance(code, str)
        compile(code, name, "exec")


def test_memory_from_the_measurement(values):
    guarantee = jupyterhub_bytes(get(values, "singleuser.memory.guarantee"))
    limit = jupyterhub_bytes(get(values, "singleuser.memory.limit"))
    assert guarantee <= limit
    # a student with one lesson open fits in the guarantee, two lessons in the limit
    assert guarantee >= (KERNEL_PSS_MB + SERVER_PSS_MB) * 10**6
    assert limit >= TWO_LESSONS_MB * 10**6
    assert (guarantee, limit) == (512 * 2**20, 2**30)  # the numbers the comments explain


def test_the_measurement_is_the_one_the_docs_give():
    docs = ROOT / "docs" / "deploy.md"
    if not docs.exists():
        pytest.skip("docs/deploy.md is not written yet")
    text = docs.read_text(encoding="utf-8")
    for number in (KERNEL_PSS_MB, SERVER_PSS_MB):
        assert re.search(rf"\b{number}\b", text), number


def test_cpu_storage_cull_scheduling(values):
    cpu = get(values, "singleuser.cpu")
    assert 0 < float(cpu["guarantee"]) <= float(cpu["limit"])
    storage = get(values, "singleuser.storage")
    assert storage["type"] == "dynamic" and k8s_bytes(storage["capacity"]) == 2**30
    cull = get(values, "cull")
    assert cull["enabled"] is True and (cull["timeout"], cull["every"]) == (3600, 300)
    assert get(values, "scheduling.userScheduler.enabled") is True
    assert get(values, "prePuller.hook.enabled") is True
    assert get(values, "prePuller.continuous.enabled") is True


def test_image_and_user(values):
    image = get(values, "singleuser.image")
    assert isinstance(image["tag"], str), "quote the tag: 1.10 would become the number 1.1"
    assert get(values, "singleuser.uid") == int(final_user(instructions(DOCKERFILE.read_text())))
    assert get(values, "singleuser.uid") != 0


def test_native_authenticator_waits_for_approval(values):
    config = get(values, "hub.config")
    assert config["JupyterHub"]["authenticator_class"] == "native"
    assert config["NativeAuthenticator"]["open_signup"] is False
    assert config["Authenticator"]["admin_users"]
    assert "nativeauthenticator" in get(values, "hub.extraConfig")["nativeauthenticator-templates"]


def test_lessons_hook_matches_the_default_url_and_the_cli(values):
    from gdwidgets.cli import _parser

    command = get(values, "singleuser.lifecycleHooks.postStart.exec.command")
    assert command[:2] == ["sh", "-c"] and command[2].endswith("|| true")
    args = command[2].split(">")[0].split()
    assert args[:2] == ["gdwidgets", "lessons"]
    parsed = _parser().parse_args(args[1:])  # the package's own command line
    assert parsed.command == "lessons" and not parsed.force  # a student's work is kept
    home = "/home/jovyan/"
    assert str(parsed.dir).startswith(home)
    assert get(values, "singleuser.defaultUrl") == "/lab/tree/" + str(parsed.dir)[len(home):]


def test_the_exchange_volume_agrees_everywhere(values):
    pvc = load("nbgrader-exchange-pvc.yaml")
    assert sorted(key_paths(pvc, free=frozenset()) - PVC_KEYS) == []
    assert (pvc["apiVersion"], pvc["kind"]) == ("v1", "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    k8s_bytes(pvc["spec"]["resources"]["requests"]["storage"])
    (volume,) = get(values, "singleuser.storage.extraVolumes")
    (mount,) = get(values, "singleuser.storage.extraVolumeMounts")
    assert volume["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    assert volume["name"] == mount["name"]
    config = (K8S / "nbgrader_config.py").read_text()
    assert re.search(r'^c\.Exchange\.root = "(.*)"$', config, re.M).group(1) == \
        mount["mountPath"] == "/srv/nbgrader/exchange"
    course = re.compile(r'^c\.CourseDirectory\.course_id = "(.*)"$', re.M)
    teacher = (ROOT / "homework" / "nbgrader_config.py").read_text()
    assert course.search(config).group(1) == course.search(teacher).group(1) == "gdwidgets"


def test_chart_version_is_named(values):
    text = (K8S / "values.yaml").read_text() + (K8S / "README.md").read_text()
    assert f"--version {CHART_VERSION}" in text


# --- Dockerfile ------------------------------------------------------------------------

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
