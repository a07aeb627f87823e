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
from dockerfile_checks import final_user, instructions

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
