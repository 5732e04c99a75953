"""The services' database URLs: the runtime role for the service, the owner for migrations, overrides winning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cimer_common.database_roles import service_database
from cimer_common.settings import SERVICES, DevelopmentSecretInUse, Settings

VARIABLES = ["DATABASE_SERVER", "DATABASE_PREFIX", "DATABASE_ADMIN_URL"] + [
    f"{s.upper()}_{name}" for s in SERVICES for name in ("DATABASE_URL", "OWNER_DATABASE_URL")
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_by_default_each_role_on_the_local_server_without_a_password() -> None:
    settings = Settings()
    assert settings.database_url("intake") == "postgresql+psycopg://cimer_intake@127.0.0.1:5432/cimer_intake"
    assert settings.owner_database_url("intake") == (
        "postgresql+psycopg://cimer_intake_owner@127.0.0.1:5432/cimer_intake"
    )
    assert settings.admin_url() == "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    assert settings.admin_url("cimer_intake") == "postgresql+psycopg://postgres@127.0.0.1:5432/cimer_intake"
    assert all(settings.provisions(s) for s in SERVICES)


def test_the_server_gives_host_port_and_options_but_never_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_SERVER", "postgresql+psycopg://admin:s3cret@db.example.org:6432?sslmode=require")
    monkeypatch.setenv("DATABASE_PREFIX", "cimer_test_")
    settings = Settings()
    assert settings.database_url("routing") == (
        "postgresql+psycopg://cimer_routing@db.example.org:6432/cimer_test_routing?sslmode=require"
    )
    assert settings.owner_database_url("routing") == (
        "postgresql+psycopg://cimer_routing_owner@db.example.org:6432/cimer_test_routing?sslmode=require"
    )
    assert settings.admin_url() == "postgresql+psycopg://admin:s3cret@db.example.org:6432/postgres?sslmode=require"


def test_explicit_urls_win_and_the_runtime_one_alone_serves_both(monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = "postgresql+psycopg://app:pw@db:5432/cimer_intake"
    monkeypatch.setenv("INTAKE_DATABASE_URL", runtime)
    settings = Settings()
    assert settings.database_url("intake") == runtime
    assert settings.owner_database_url("intake") == runtime, "one role for both, as the operator chose"
    assert not settings.provisions("intake"), "an operator's URLs: no administrator of ours"
    assert settings.provisions("routing")
    owner = "postgresql+psycopg://intake_owner:pw2@db:5432/cimer_intake"
    monkeypatch.setenv("INTAKE_OWNER_DATABASE_URL", owner)
    assert Settings().owner_database_url("intake") == owner
    assert Settings().database_url("intake") == runtime
    monkeypatch.setenv("DATABASE_ADMIN_URL", "postgresql+psycopg://root:pw3@db:5432")
    settings = Settings()
    assert settings.provisions("intake")
    assert settings.admin_url("cimer_intake") == "postgresql+psycopg://root:pw3@db:5432/cimer_intake"
    target = service_database("intake", settings)
    assert (target.database, target.owner, target.owner_password) == ("cimer_intake", "intake_owner", "pw2")
    assert (target.runtime, target.runtime_password) == ("app", "pw")


def test_the_two_urls_must_name_one_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTING_DATABASE_URL", "postgresql+psycopg://a@db/cimer_reporting")
    monkeypatch.setenv("REPORTING_OWNER_DATABASE_URL", "postgresql+psycopg://b@db/cimer_routing")
    with pytest.raises(ValueError, match="cimer_routing"):
        service_database("reporting", Settings())


def test_default_roles_are_the_services_own() -> None:
    targets = [service_database(s, Settings()) for s in SERVICES]
    assert [(t.owner, t.runtime) for t in targets] == [(f"cimer_{s}_owner", f"cimer_{s}") for s in SERVICES]
    assert all(t.owner_password is None and t.runtime_password is None for t in targets)


SECRETS = {
    "ACCESS_CODE_PEPPER": "9f2c3b1e6a",
    "ACCESS_CODE_SEAL_KEY": "Qb5k1Zr2w3c4d5e6f7g8h9i0j1k2l3m4n5o6p7q8r9s=",
    "SMS_API_KEY": "provider-key",
}


def settings_in(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("CIMER_ENVIRONMENT", *SECRETS):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


@pytest.mark.parametrize(
    ("service", "left"), [("intake", "ACCESS_CODE_PEPPER, ACCESS_CODE_SEAL_KEY"), ("notification", "SMS_API_KEY")]
)
def test_a_deployment_refuses_the_committed_development_secrets(
    monkeypatch: pytest.MonkeyPatch, service: str, left: str
) -> None:
    with pytest.raises(DevelopmentSecretInUse, match=left) as refused:
        settings_in(monkeypatch).check_secrets(service)  # CIMER_ENVIRONMENT unset: a deployment
    assert "change-me-in-production" not in str(refused.value) and "development-key" not in str(refused.value)
    with pytest.raises(DevelopmentSecretInUse):
        settings_in(
            monkeypatch, CIMER_ENVIRONMENT="production", **SECRETS | {"SMS_API_KEY": "development-key"}
        ).check_secrets("notification")
    settings_in(monkeypatch, **SECRETS).check_secrets(service)  # its own secrets set: it starts
    settings_in(monkeypatch, CIMER_ENVIRONMENT="development").check_secrets(service)  # a developer's machine
    settings_in(monkeypatch).check_secrets("routing")  # holds none of them


def test_the_service_runner_stops_before_running_with_a_development_secret(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CIMER_ENVIRONMENT", *SECRETS)}
    env["AMQP_URI"] = "pyamqp://nobody:nothing@127.0.0.1:1/"  # never reached: it stops before connecting
    runner = Path(sys.executable).parent / "cimer-service"  # the virtualenv's, whatever PATH says
    done = subprocess.run([str(runner), "intake"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ACCESS_CODE_PEPPER" in done.stderr and "change-me-in-production" not in done.stderr + done.stdout
