"""Configuration from the environment, the same way in every service (12-factor, so Kubernetes can set it)."""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "routing", "notification", "reporting", "identity")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    amqp_uri: str = "pyamqp://guest:guest@127.0.0.1:5672/"
    # Each service has its own database; by default `<prefix><service>` on one local server.
    database_server: str = "postgresql+psycopg://postgres@127.0.0.1:5432"
    database_prefix: str = "cimer_"
    max_workers: int = 10
    log_format: str = "json"  # "json" in production, "console" for a person reading a terminal
    log_level: str = "INFO"
    # Secret mixed into hashes of access codes, so a copy of the database alone cannot test guesses.
    access_code_pepper: str = "change-me-in-production"
    # Officers' tokens: identity signs with the private key; the gateway and the services verify with the public.
    jwt_private_key_file: str = "var/keys/jwt-private.pem"
    jwt_public_key_file: str = "var/keys/jwt-public.pem"
    # The receipt must carry the access code, which intake keeps only hashed: until the receipt is delivered it
    # also keeps it sealed with this key (Fernet), and then forgets it.
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

    def workers(self, service: str) -> int:
        """`<SERVICE>_MAX_WORKERS` wins over MAX_WORKERS: how many calls and events one process of a service works
        on at once (each may hold a database connection, so the sum must stay under PostgreSQL's limit)."""
        import os

        explicit = os.environ.get(f"{service.upper()}_MAX_WORKERS", "")
        return int(explicit) if explicit.isdigit() and int(explicit) > 0 else self.max_workers

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def database_url(self, service: str) -> str:
        """`<SERVICE>_DATABASE_URL` wins, so an operator can point one service at its own server."""
        import os

        explicit = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if explicit:
            return explicit
        return f"{self.database_server}/{self.database_name(service)}"


def get_settings() -> Settings:
    return Settings()


def nameko_config(service: str) -> dict[str, Any]:
    settings = get_settings()
    return {
        "AMQP_URI": settings.amqp_uri,
        "max_workers": settings.workers(service),
        "DATABASE_URL": settings.database_url(service),
        "serializer": "json",
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
    }


def service_class(service: str) -> type:
    """`intake` → `intake.service.IntakeService`: every service is found the same way."""
    import importlib

    module = importlib.import_module(f"{service}.service")
    return getattr(module, f"{service.capitalize()}Service")  # type: ignore[no-any-return]
