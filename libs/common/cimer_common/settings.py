"""Configuration from the environment, the same way in every service (12-factor, so Kubernetes can set it)."""

from __future__ import annotations

import os
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

SERVICES = ("intake", "routing", "notification", "reporting", "identity")

# The secrets each service uses whose defaults below are committed to the repository: fine on a developer's
# machine, a hole anywhere else (anyone can read them), so a service refuses to start with one of them unless the
# environment says it is a development one.
SECRETS_OF = {
    "intake": ("access_code_pepper", "access_code_seal_key"),
    "notification": ("sms_api_key",),
}
DEVELOPMENT = "development"


class DevelopmentSecretInUse(RuntimeError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    # "development" on a developer's machine and in the tests (the Makefile says so); anything else, the default
    # included, is a deployment, where the committed development secrets are refused (`check_secrets`).
    cimer_environment: str = "production"
    amqp_uri: str = "pyamqp://guest:guest@127.0.0.1:5672/"
    # Each service has its own database; by default `<prefix><service>` on one local server.
    database_server: str = "postgresql+psycopg://postgres@127.0.0.1:5432"
    database_prefix: str = "cimer_"
    # Creates the services' roles and databases (`cimer-migrate`, the tests): a superuser. Empty: DATABASE_SERVER.
    database_admin_url: str = ""
    max_workers: int = 10
    # AMQP heartbeats (seconds) of the services' connections: when a process's node or network goes silent (no TCP
    # reset, unlike a killed process), the broker gives the messages it held unacked to another consumer after about
    # two missed beats, rather than nameko's default of 60 s. Lower costs a wake-up per beat and risks a busy process
    # missing one.
    amqp_heartbeat_seconds: int = 10
    # Prometheus metrics (`cimer_common.metrics`) on this port, 0: none. Kubernetes gives every pod 9102; the
    # Procfile gives each process its own, moved by METRICS_PORT_OFFSET where two systems share a machine (the
    # end-to-end tests beside `make up`).
    metrics_port: int = 0
    metrics_port_offset: int = 0

    @property
    def metrics_endpoint_port(self) -> int:
        return self.metrics_port + self.metrics_port_offset if self.metrics_port else 0

    log_format: str = "json"  # "json" in production, "console" for a person reading a terminal
    log_level: str = "INFO"
    # Secret mixed into hashes of access codes, so a copy of the database alone cannot test guesses.
    access_code_pepper: str = "change-me-in-production"
    # Officers' tokens: identity signs with the private key; the gateway and the services verify with the public.
    jwt_private_key_file: str = "var/keys/jwt-private.pem"
    jwt_public_key_file: str = "var/keys/jwt-public.pem"
    # The receipt must carry the access code, which intake keeps only hashed: until the receipt is delivered it
    # also keeps it sealed with this key (Fernet), only for an applicant who can be told, and forgets it once the
    # receipt is delivered or given up, or a day has passed.
    access_code_seal_key: str = "yWgHqg0mNVxUVu5uv4sMNu1PDbd7GwI5_oZkExmH6XM="  # development only: set it in production
    # Notices (SPEC section 5): a real SMTP server (locally `cimer-mailbox`) and an HTTP SMS provider (locally
    # `cimer-sms-provider`); both local stand-ins write what they receive under var/.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "CİMER <bildirim@cimer.gov.tr>"
    mail_dir: str = "var/mail"
    sms_provider_url: str = "http://127.0.0.1:1026/messages"
    sms_api_key: str = "development-key"
    sms_dir: str = "var/sms"
    # Attachments (SPEC section 12, intake): kept as files outside the database, by their SHA-256 (a directory
    # locally, a volume in Kubernetes); `clamd_address` (`host:port` of a ClamAV daemon) switches on the scan of
    # every upload, empty leaves it off.
    attachments_dir: str = "var/attachments"
    clamd_address: str = ""
    # Limits on web filings (intake, `domain.filing_limits`): from one client address an hour (generous: many
    # mobile subscribers share an address), to one e-mail address or phone number a day (no flooding anyone).
    web_filings_per_address: int = 60
    web_filings_per_contact: int = 10
    # Back-pressure (`outbox.OutboxWriter.check_room`, intake): how much may pile up behind it before it takes no
    # new application: rows of its outbox not yet published (the broker unreachable, the rows counted in its
    # database), or messages waiting in the fullest queue of its events' consumers (a consumer down). Hours of a
    # national surge on a small deployment, far below what the broker's disk holds; 0: no bound.
    backlog_bound: int = 200_000

    # Personal data kept no longer than needed (KVKK; `cimer_common.retention`): days after an application's
    # answer for its applicant's data and texts, after a notice is settled for what it was sent with, after an
    # event is delivered for its outbox row, and after the act for the client addresses in audit lines and
    # sessions.
    retain_personal_data_days: int = 730
    retain_notice_texts_days: int = 90
    retain_delivered_outbox_days: int = 7
    retain_client_addresses_days: int = 180

    def check_secrets(self, service: str) -> None:
        """Refuse to run `service` outside development with a secret left at its committed default; the error
        names the settings, never their values."""
        if self.cimer_environment == DEVELOPMENT:
            return
        left = [
            name.upper()
            for name in SECRETS_OF.get(service, ())
            if getattr(self, name) == type(self).model_fields[name].default
        ]
        if left:
            raise DevelopmentSecretInUse(
                f"{service}: {', '.join(left)} still hold the development values committed to the repository; set "
                f"them (deploy/k8s/README.md, Secrets), or CIMER_ENVIRONMENT={DEVELOPMENT} on a developer's machine"
            )

    def workers(self, service: str) -> int:
        """`<SERVICE>_MAX_WORKERS` wins over MAX_WORKERS: how many calls and events one process of a service works
        on at once (each may hold a database connection, so the sum must stay under PostgreSQL's limit)."""
        import os

        explicit = os.environ.get(f"{service.upper()}_MAX_WORKERS", "")
        return int(explicit) if explicit.isdigit() and int(explicit) > 0 else self.max_workers

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def runtime_role(self, service: str) -> str:
        """The role the running service connects as: it reads and writes its tables, never changes the schema."""
        return f"cimer_{service}"

    def owner_role(self, service: str) -> str:
        """The role that owns the service's database and its objects: the one migrations run as."""
        return f"cimer_{service}_owner"

    def _server_url(self, role: str, database: str) -> str:
        # The role's own name, and no password: DATABASE_SERVER's is the administrator's, not the role's.
        server = make_url(self.database_server)
        url = URL.create(server.drivername, role, None, server.host, server.port, database, server.query)
        return url.render_as_string(hide_password=False)

    def database_url(self, service: str) -> str:
        """The running service's: `<SERVICE>_DATABASE_URL` wins, so an operator can point one service at its own
        server with its own credentials; else DATABASE_SERVER as the service's runtime role."""
        explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if explicit:
            return explicit
        return self._server_url(self.runtime_role(service), self.database_name(service))

    def owner_database_url(self, service: str) -> str:
        """Migrations': `<SERVICE>_OWNER_DATABASE_URL` wins; with only `<SERVICE>_DATABASE_URL` set, that one role
        does both (an operator's choice); else DATABASE_SERVER as the service's owner role."""
        explicit = os.environ.get(f"{service.upper()}_OWNER_DATABASE_URL") or os.environ.get(
            f"{service.upper()}_DATABASE_URL"
        )
        if explicit:
            return explicit
        return self._server_url(self.owner_role(service), self.database_name(service))

    def admin_url(self, database: str = "postgres") -> str:
        """The administrator's connection to `database` (by default the maintenance database)."""
        url = make_url(self.database_admin_url or self.database_server).set(database=database)
        return url.render_as_string(hide_password=False)

    def provisions(self, service: str) -> bool:
        """Whether `cimer-migrate` creates the service's roles and database and fixes their rights as administrator:
        always with DATABASE_ADMIN_URL; without it, only where the URLs come from DATABASE_SERVER (a development
        or test server whose administrator it names), never where an operator gave the service's URLs."""
        if self.database_admin_url:
            return True
        given = (f"{service.upper()}_DATABASE_URL", f"{service.upper()}_OWNER_DATABASE_URL")
        return not any(os.environ.get(name) for name in given)


def get_settings() -> Settings:
    return Settings()


def nameko_config(service: str) -> dict[str, Any]:
    from cimer_common.broker import component_uri

    settings = get_settings()
    return {
        "AMQP_URI": component_uri(service, settings.amqp_uri),  # as its own broker user
        "max_workers": settings.workers(service),
        "DATABASE_URL": settings.database_url(service),
        "serializer": "json",
        "HEARTBEAT": settings.amqp_heartbeat_seconds,
        "METRICS_PORT": settings.metrics_endpoint_port,
        "PARENT_CALLS_TRACKED": 10,
        "ACCESS_CODE_PEPPER": settings.access_code_pepper,
        "JWT_PRIVATE_KEY_FILE": settings.jwt_private_key_file,
        "JWT_PUBLIC_KEY_FILE": settings.jwt_public_key_file,
        "ACCESS_CODE_SEAL_KEY": settings.access_code_seal_key,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": settings.smtp_port,
        "MAIL_FROM": settings.mail_from,
        "SMS_PROVIDER_URL": settings.sms_provider_url,
        "SMS_API_KEY": settings.sms_api_key,
        "WEB_FILINGS_PER_ADDRESS": settings.web_filings_per_address,
        "WEB_FILINGS_PER_CONTACT": settings.web_filings_per_contact,
        "BACKLOG_BOUND": settings.backlog_bound,
        "ATTACHMENTS_DIR": settings.attachments_dir,
        "CLAMD_ADDRESS": settings.clamd_address,
    }


def service_class(service: str) -> type:
    """`intake` → `intake.service.IntakeService`: every service is found the same way."""
    import importlib

    module = importlib.import_module(f"{service}.service")
    return getattr(module, f"{service.capitalize()}Service")  # type: ignore[no-any-return]
