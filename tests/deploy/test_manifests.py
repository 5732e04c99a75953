"""deploy/: the Kubernetes manifests and the Dockerfile, checked without a cluster.

Every Deployment is read as written (and, where `kubectl` is installed, as kustomize renders it): probes,
resources, the restricted security context, labels, the commands the packages really install, the settings the
code really reads. The custom resources of deploy/k8s/infra are validated against their operators' CRDs (the
openAPIV3Schema of /work/shared/k8s-crds, or $CIMER_K8S_CRDS), with objects closed so that a misspelt field fails.
The liveness probe of the nameko services is run for real, against a closed port and, when one answers, the test
broker.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import pytest
import yaml

from cimer_common.settings import SERVICES, Settings
from gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
INFRA = K8S / "infra"
DEV = K8S / "overlays" / "dev"
KUSTOMIZATIONS = {"base": BASE, "infra": INFRA, "dev": DEV}

NAMEKO_SERVICES = ("intake", "routing", "notification", "reporting", "identity")
COMPONENTS = (*NAMEKO_SERVICES, "gateway")
REPLICAS = {"gateway": 2, "intake": 2, "routing": 2, "notification": 1, "reporting": 1, "identity": 1}
USER_ID = 10001
GATEWAY_PORT = 8000
# Secrets read by one component alone, in its main container: variable → (component, (Secret, key)).
SECRET_OF_ONE = {
    "ACCESS_CODE_PEPPER": ("intake", ("cimer-pepper", "ACCESS_CODE_PEPPER")),
    "ACCESS_CODE_SEAL_KEY": ("intake", ("cimer-seal", "ACCESS_CODE_SEAL_KEY")),
    "SMS_API_KEY": ("notification", ("cimer-sms", "SMS_API_KEY")),
}
JWT_SECRET = "cimer-jwt"
JWT_PUBLIC, JWT_PRIVATE = "jwt-public.pem", "jwt-private.pem"
NOTICE_SETTINGS = ("SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "SMS_PROVIDER_URL")

Doc = dict[str, Any]


# --- reading ------------------------------------------------------------------------------------------------------


# libyaml's loader when PyYAML has it: the CRDs run to hundreds of kilobytes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.load_all(stream, Loader=_LOADER) if doc]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[Doc], kind: str) -> Doc:
    found = of_kind(docs, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def deployment(component: str) -> Doc:
    return one(load(BASE / f"{component}.yaml"), "Deployment")


def pod_spec(doc: Doc) -> Doc:
    return doc["spec"]["template"]["spec"]  # type: ignore[no-any-return]


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


def installed_commands() -> set[str]:
    """The console scripts the packages really install: what a container may run."""
    scripts: set[str] = set()
    pyprojects = [ROOT / "libs/common/pyproject.toml", ROOT / "gateway/pyproject.toml"]
    for pyproject in [*pyprojects, *sorted(ROOT.glob("services/*/pyproject.toml"))]:
        scripts |= set(tomllib.loads(pyproject.read_text()).get("project", {}).get("scripts", {}))
    return scripts


def allowed_commands() -> set[tuple[str, ...]]:
    return (
        {("cimer-service", s) for s in SERVICES}
        | {("cimer-migrate", s) for s in SERVICES}
        | {("cimer-seed-directory",), ("cimer-gateway",)}
    )


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


def check_deployment(doc: Doc) -> None:
    check_security(doc)
    check_resources(doc)
    check_probes(doc)


# --- the files ----------------------------------------------------------------------------------------------------


def test_one_manifest_per_service_and_no_stray_file() -> None:
    assert set(NAMEKO_SERVICES) == set(SERVICES), "a new service needs deploy/k8s/base/<service>.yaml"
    expected = {f"{c}.yaml" for c in COMPONENTS} | {"networkpolicy.yaml", "kustomization.yaml"}
    assert {p.name for p in BASE.iterdir()} == expected


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
        assert (folder / entry).exists(), f"{name}/kustomization.yaml names a missing {entry}"
    local = {entry for entry in referenced if "/" not in entry}
    present = {p.name for p in folder.iterdir() if p.is_file()} - {"kustomization.yaml"}
    assert present == local, f"{name}: files not in kustomization.yaml: {sorted(present - local)}"


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_file_holds_its_service_account_deployment_and_only_the_gateway_a_service(component: str) -> None:
    docs = load(BASE / f"{component}.yaml")
    kinds = sorted(doc["kind"] for doc in docs)
    assert kinds == (
        ["Deployment", "Service", "ServiceAccount"] if component == "gateway" else ["Deployment", "ServiceAccount"]
    )
    for doc in docs:
        assert doc["metadata"]["name"] == component
        assert doc["metadata"]["labels"]["app"] == component
    account = one(docs, "ServiceAccount")
    assert account.get("automountServiceAccountToken") is False
    dep = one(docs, "Deployment")
    assert dep["spec"]["selector"]["matchLabels"] == {"app": component}
    assert dep["spec"]["template"]["metadata"]["labels"]["app"] == component
    assert pod_spec(dep)["serviceAccountName"] == component
    assert dep["spec"]["replicas"] == REPLICAS[component]


@pytest.mark.parametrize("component", COMPONENTS)
def test_deployment_has_probes_resources_and_a_restricted_security_context(component: str) -> None:
    check_deployment(deployment(component))


@pytest.mark.parametrize("component", COMPONENTS)
def test_containers_run_only_the_commands_the_packages_install(component: str) -> None:
    dep = deployment(component)
    real = installed_commands()
    for container in containers(dep):
        argv = tuple(command(container))
        assert argv in allowed_commands(), f"{component}/{container['name']}: {argv}"
        assert argv[0] in real, f"{argv[0]} is not a console script of any package"
        assert container["image"] == f"cimer-{component}", "every container of a pod runs the component's image"
    inits = [tuple(command(c)) for c in pod_spec(dep).get("initContainers", [])]
    if component == "gateway":
        assert tuple(command(main_container(dep))) == ("cimer-gateway",)
        assert inits == []
    else:
        assert tuple(command(main_container(dep))) == ("cimer-service", component)
        expected = [("cimer-migrate", component)]
        if component == "routing":
            expected.append(("cimer-seed-directory",))  # after the migration that creates its table
        assert inits == expected


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
    for container in containers(dep):
        assert {"configMapRef": {"name": "cimer-config"}} in container.get("envFrom", [])
        for entry in container.get("env", []):
            assert entry["name"] in setting_names(), f"{entry['name']} is read by no settings class"
    main = main_container(dep)
    assert secret_ref(main, "AMQP_URI") == (f"cimer-broker-{component}", "AMQP_URI")  # its own broker user
    for container in containers(dep):
        for variable, (owner, ref) in SECRET_OF_ONE.items():
            want_secret = ref if container is main and component == owner else None
            assert secret_ref(container, variable) == want_secret, f"{component}/{container['name']}: {variable}"
        # Migrations alone run as the database's owner; everything else as the service's runtime role. The
        # administrator's URL is never in the application's namespace: the roles and databases are made beforehand.
        migrates = command(container)[:1] == ["cimer-migrate"]
        assert "DATABASE_ADMIN_URL" not in {entry["name"] for entry in container.get("env", [])}
        for service in SERVICES:
            for variable, wanted in (
                (f"{service.upper()}_DATABASE_URL", True),
                (f"{service.upper()}_OWNER_DATABASE_URL", migrates),
            ):
                want = (f"cimer-db-{component}", variable) if service == component and wanted else None
                assert secret_ref(container, variable) == want, f"{component}/{container['name']}: {variable}"


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
    for container in containers(dep):
        mounts = [m for m in container.get("volumeMounts", []) if m["name"] == name]
        env = env_values(container)
        if container is not main:
            assert mounts == [], f"{component}/{container['name']}: the init containers need no key"
            assert not {"JWT_PUBLIC_KEY_FILE", "JWT_PRIVATE_KEY_FILE"} & set(env)
            continue
        (mount,) = mounts
        assert mount["readOnly"] is True and "subPath" not in mount
        folder = mount["mountPath"]
        assert folder.startswith("/") and folder.rstrip("/") != "/tmp"
        # Absolute: the settings' default, var/keys/…, is relative to a working directory that holds no keys.
        assert env["JWT_PUBLIC_KEY_FILE"] == f"{folder.rstrip('/')}/{items[JWT_PUBLIC]}"
        if component == "identity":
            assert env["JWT_PRIVATE_KEY_FILE"] == f"{folder.rstrip('/')}/{items[JWT_PRIVATE]}"
        else:
            assert "JWT_PRIVATE_KEY_FILE" not in env
    if component != "identity":
        assert JWT_PRIVATE not in yaml.safe_dump(dep), f"{component} must never see the private key"


def test_notices_settings_are_in_the_config_map() -> None:
    literals = config_literals(BASE)
    assert set(NOTICE_SETTINGS) <= set(literals)
    assert int(literals["SMTP_PORT"]) in {25, 587}
    assert urlsplit(literals["SMS_PROVIDER_URL"]).scheme == "https"
    assert "@" in literals["MAIL_FROM"]


def test_every_secret_is_documented() -> None:
    readme = (K8S / "README.md").read_text()
    used: set[str] = set()
    for component in COMPONENTS:
        dep = deployment(component)
        for container in containers(dep):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    used.add(ref["name"].replace(f"-{component}", "-<service>"))
        used |= {v["secret"]["secretName"] for v in pod_spec(dep).get("volumes", []) if "secret" in v}
    assert used == {
        "cimer-broker-<service>",
        "cimer-db-<service>",
        "cimer-pepper",
        "cimer-seal",
        "cimer-jwt",
        "cimer-sms",
    }
    for name in used:
        assert f"| `{name}` |" in readme, f"README's table of Secrets: {name}"
        if "<" not in name:
            assert f"create secret generic {name} " in readme, f"README: how to create {name}"


def test_base_config_map_and_images() -> None:
    assert config_literals(BASE)["LOG_FORMAT"] == "json"
    assert {image["name"] for image in kustomization(BASE)["images"]} == {f"cimer-{c}" for c in COMPONENTS}


def test_gateway_service_and_port() -> None:
    docs = load(BASE / "gateway.yaml")
    service = one(docs, "Service")
    container = main_container(one(docs, "Deployment"))
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": GATEWAY_PORT, "protocol": "TCP"}
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["GATEWAY_HOST"] == "0.0.0.0" and env["GATEWAY_PORT"] == str(GATEWAY_PORT)
    # The ingress's X-Forwarded-For is believed (or every citizen would share its address), from networks only.
    proxies = [ipaddress.ip_network(part.strip()) for part in env["TRUSTED_PROXIES"].split(",")]
    assert proxies and all(network.is_private for network in proxies)
    assert service["spec"]["selector"] == {"app": "gateway"}
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == port["name"]


def test_network_policies() -> None:
    policies = {
        doc["metadata"]["name"]: doc["spec"] for doc in of_kind(load(BASE / "networkpolicy.yaml"), "NetworkPolicy")
    }
    deny = policies.pop("default-deny-ingress")
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress"]}
    gateway = policies.pop("gateway-ingress")
    assert gateway["podSelector"] == {"matchLabels": {"app": "gateway"}}
    assert gateway["policyTypes"] == ["Ingress"]
    assert [rule["ports"] for rule in gateway["ingress"]] == [[{"protocol": "TCP", "port": GATEWAY_PORT}]]
    egress = policies.pop("cimer-egress")
    assert egress["policyTypes"] == ["Egress"]
    (expression,) = egress["podSelector"]["matchExpressions"]
    assert expression["key"] == "app" and expression["operator"] == "In"
    assert sorted(expression["values"]) == sorted(COMPONENTS)
    allowed = {(p["protocol"], p["port"]) for rule in egress["egress"] for p in rule["ports"]}
    assert allowed == {("TCP", 5672), ("TCP", 5432), ("UDP", 53), ("TCP", 53)}
    # Notification alone may also reach the SMTP relay and the SMS provider.
    notices = policies.pop("notification-egress")
    assert notices["podSelector"] == {"matchLabels": {"app": "notification"}}
    assert notices["policyTypes"] == ["Egress"]
    assert all("to" not in rule for rule in notices["egress"]), "ports, not peers, as in cimer-egress"
    allowed = {(p["protocol"], p["port"]) for rule in notices["egress"] for p in rule["ports"]}
    assert allowed == {("TCP", 25), ("TCP", 587), ("TCP", 443)}
    literals = config_literals(BASE)
    assert ("TCP", int(literals["SMTP_PORT"])) in allowed
    sms = urlsplit(literals["SMS_PROVIDER_URL"])
    assert ("TCP", sms.port or {"https": 443, "http": 80}[sms.scheme]) in allowed
    assert policies == {}, f"unexpected policies: {sorted(policies)}"


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


def crd_folder() -> Path:
    candidates = [os.environ.get("CIMER_K8S_CRDS"), ROOT.parent / "shared" / "k8s-crds", Path("/work/shared/k8s-crds")]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    pytest.skip("CRDs not found: set CIMER_K8S_CRDS or provide shared/k8s-crds beside the repository")


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
def crds(folder: Path) -> list[Doc]:
    return [
        doc for path in sorted(folder.glob("*.yaml")) for doc in load(path) if doc["kind"] == "CustomResourceDefinition"
    ]


def validator_for(resource: Doc) -> jsonschema.Draft4Validator:
    group, _, version = resource["apiVersion"].partition("/")
    for crd in crds(crd_folder()):
        spec = crd["spec"]
        if spec["group"] == group and spec["names"]["kind"] == resource["kind"]:
            (served,) = [v for v in spec["versions"] if v["name"] == version]
            assert served["served"], f"{resource['apiVersion']} is not served"
            return jsonschema.Draft4Validator(close(served["schema"]["openAPIV3Schema"]))
    raise AssertionError(f"no CRD for {resource['kind']} ({resource['apiVersion']}) in {crd_folder()}")


def infra_resources() -> list[Doc]:
    return [doc for path in sorted(INFRA.glob("*.yaml")) if path.name != "kustomization.yaml" for doc in load(path)]


def test_infra_holds_the_broker_the_database_and_its_backup() -> None:
    kinds = sorted((doc["apiVersion"], doc["kind"]) for doc in infra_resources())
    users = [("rabbitmq.com/v1beta1", kind) for kind in ("Permission", "TopicPermission", "User")]
    assert sorted(set(kinds)) == sorted(
        [
            ("postgresql.cnpg.io/v1", "Cluster"),
            ("postgresql.cnpg.io/v1", "ScheduledBackup"),
            ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
            *users,
        ]
    )
    assert kinds.count(("rabbitmq.com/v1beta1", "RabbitmqCluster")) == 1


@pytest.mark.parametrize("resource", infra_resources(), ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}")
def test_custom_resource_validates_against_its_crd(resource: Doc) -> None:
    validator = validator_for(resource)
    errors = sorted(validator.iter_errors(resource), key=str)
    assert not errors, "\n".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
    # The validator is not vacuous: a misspelt field and a wrong type are refused.
    misspelt = copy.deepcopy(resource)
    misspelt["spec"]["notAField"] = True
    assert not validator.is_valid(misspelt)
    wrong_type = copy.deepcopy(resource)
    spec = wrong_type["spec"]
    scalars = [k for k, v in spec.items() if isinstance(v, str | int) and not isinstance(v, bool)]
    first = scalars[0] if scalars else next(k for k, v in spec.items() if isinstance(v, dict))  # a User's are objects
    spec[first] = {"not": "a scalar"} if scalars else "not an object"
    assert not validator.is_valid(wrong_type)


def test_database_cluster_creates_the_services_databases_and_is_backed_up() -> None:
    docs = infra_resources()
    cluster = one(docs, "Cluster")
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    assert initdb["database"] in {f"cimer_{s}" for s in SERVICES}
    # cimer-migrate creates the other databases as the owner: the owner needs CREATEDB.
    assert f"ALTER ROLE {initdb['owner']} CREATEDB" in initdb["postInitSQL"]
    backup = one(docs, "ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert backup["spec"]["method"] == "barmanObjectStore"
    assert "barmanObjectStore" in cluster["spec"]["backup"]
    assert len(backup["spec"]["schedule"].split()) == 6, "CNPG schedules start with a seconds field"
    assert one(docs, "RabbitmqCluster")["spec"]["replicas"] % 2 == 1


# --- as kustomize renders them --------------------------------------------------------------------------------------


def render(folder: Path) -> list[Doc]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the kustomize rendering is not checked")
    result = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.mark.parametrize("name", ["base", "dev"])
def test_rendered_deployments_keep_every_guarantee(name: str) -> None:
    docs = render(KUSTOMIZATIONS[name])
    deployments = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "Deployment")}
    assert set(deployments) == set(COMPONENTS)
    (config_map,) = of_kind(docs, "ConfigMap")
    assert config_map["metadata"]["name"].startswith("cimer-config-"), "generated with a content hash"
    for component, doc in deployments.items():
        check_deployment(doc)
        for container in containers(doc):
            assert container["envFrom"] == [{"configMapRef": {"name": config_map["metadata"]["name"]}}]
            assert re.fullmatch(rf"cimer-{component}:[\w.-]+", container["image"]), container["image"]
        want = REPLICAS[component] if name == "base" else 1
        assert doc["spec"]["replicas"] == want
        if component != "identity":
            assert JWT_PRIVATE not in yaml.safe_dump(doc), f"{component} must never see the private key"
    if name == "dev":
        for doc in deployments.values():
            for container in containers(doc):
                assert quantity(container["resources"]["limits"]["memory"]) <= quantity("256Mi")


def test_rendered_infra() -> None:
    assert len(render(INFRA)) == len(infra_resources())


# --- the image ----------------------------------------------------------------------------------------------------


def test_dockerfile_builds_every_component_as_a_non_root_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1) for line in dockerfile.splitlines() if line.strip() and not line.startswith((" ", "#"))
    ]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
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
