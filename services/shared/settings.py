"""Every setting the platform reads from its environment, in one place (issue #20, item 4).

Each group is a pydantic-settings class; a field names its variable (`validation_alias`), its
default and what it means, and the README's table is generated from these classes
(`python -m infra.settings_table`, checked by tests/unit/test_settings.py). Nothing else reads
`os.environ`; a process that starts others hands its environment on as it is.

`environment()` reads afresh on each call: settings are read when a service starts or a
command runs, never on a hot path, and tests that set a variable see it at once.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def setting(default: Any, env: str, meaning: str, shown: str | None = None) -> Any:
    """A field read from `env`; `shown` is the default as the README prints it."""
    extra: dict[str, Any] | None = {"shown": shown} if shown is not None else None
    return Field(
        default, validation_alias=AliasChoices(env), description=meaning, json_schema_extra=extra
    )


class _Group(BaseSettings):
    # An empty variable is an unset one, as the shell scripts that set them expect.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)


class Stack(_Group):
    """Where the engines are, and how a service shares them with its replicas."""

    data_dir: Path = setting(
        Path(".data"), "TELEWORK_DATA_DIR", "embedded stack's files, dev token key"
    )
    database_url: str | None = setting(
        None,
        "DATABASE_URL",
        "e.g. `postgresql://user@host/db`; each service gets its own schema",
        "SQLite file `.data/<service>.db`",
    )
    schema_prefix: str = setting(
        "telework_", "TELEWORK_SCHEMA_PREFIX", "PostgreSQL schema prefix per service"
    )
    nats_url: str = setting("nats://127.0.0.1:4222", "NATS_URL", "NATS with JetStream")
    stream_replicas: int = setting(
        1,
        "TELEWORK_STREAM_REPLICAS",
        "copies of each JetStream stream (3 on a cluster; docs/operations.md)",
    )
    nats_seeds: Path | None = setting(
        None,
        "TELEWORK_NATS_SEEDS",
        "NKEY seed of each component's NATS identity (docs/subscribing.md)",
        "`.data/nats-identities`",
    )
    nats_tls_ca: str | None = setting(
        None, "TELEWORK_NATS_TLS_CA", "CA of the NATS servers' certificates (docs/security.md)"
    )
    nats_tls_cert: str | None = setting(
        None, "TELEWORK_NATS_TLS_CERT", "client certificate for NATS (mTLS)"
    )
    nats_tls_key: str | None = setting(None, "TELEWORK_NATS_TLS_KEY", "its private key")
    temporal_address: str = setting("127.0.0.1:7233", "TEMPORAL_ADDRESS", "Temporal frontend")
    temporal_namespace: str = setting("default", "TEMPORAL_NAMESPACE", "Temporal namespace")
    temporal_tls_ca: str | None = setting(
        None, "TEMPORAL_TLS_CA", "CA of the Temporal frontend's certificate"
    )
    temporal_tls_cert: str | None = setting(
        None, "TEMPORAL_TLS_CERT", "client certificate for Temporal (mTLS)"
    )
    temporal_tls_key: str | None = setting(None, "TEMPORAL_TLS_KEY", "its private key")
    temporal_api_key: str | None = setting(
        None, "TEMPORAL_API_KEY", "API key for Temporal Cloud (implies TLS)"
    )
    lease_ttl_s: float = setting(
        6.0,
        "TELEWORK_LEASE_TTL_S",
        "term of the lease that picks the one replica running a service's relay and "
        "projections (decision 0008)",
    )
    db_pool_size: int = setting(
        10,
        "TELEWORK_DB_POOL_SIZE",
        "PostgreSQL connections each process keeps open; with the overflow, the most one "
        "process opens (size the server's max_connections: docs/deployment.md)",
    )
    db_max_overflow: int = setting(
        10, "TELEWORK_DB_MAX_OVERFLOW", "connections a process may open beyond its pool at a peak"
    )
    workflow_tasks: int = setting(
        20, "TELEWORK_WORKFLOW_TASKS", "workflow tasks a worker runs at once"
    )
    workflow_cache: int = setting(
        1000,
        "TELEWORK_WORKFLOW_CACHE",
        "workflows a worker keeps in memory (about 0.3 MB each, measured); past it, a "
        "workflow's next task replays its history — raise it for a unit assigned at once "
        "(issue #19)",
    )


class Trust(_Group):
    """Keys and tokens (docs/security.md)."""

    token_key: str | None = setting(
        None,
        "TELEWORK_TOKEN_KEY",
        "the platform's token key, one for every process: the portal mints tokens after "
        "sign-in, every service verifies them",
        "`.data/dev-issuer.pem` (made once)",
    )
    token_audience: str = setting(
        "telework", "TELEWORK_TOKEN_AUDIENCE", "audience of the platform's tokens"
    )
    service_token: str | None = setting(
        None, "TELEWORK_SERVICE_TOKEN", "a fixed token services use to ask each other", "dev issuer"
    )
    caller_token: str | None = setting(
        None, "TELEWORK_TOKEN", "the caller's token for CLI commands that ask a service"
    )
    citizen_id_key: str | None = setting(
        None,
        "TELEWORK_CITIZEN_ID_KEY",
        "key (hex) that hashes citizen ids on import",
        "`.data/citizen-id.key`",
    )
    webhook_secret: str | None = setting(
        None,
        "TELEWORK_WEBHOOK_SECRET",
        "HMAC key of notification webhooks",
        "`.data/webhook-secret`",
    )
    survey_key: str | None = setting(
        None,
        "TELEWORK_SURVEY_KEY",
        "key (hex) that keeps satisfaction answers one per person and anonymous",
        "`.data/survey.key`",
    )


class Portal(_Group):
    """The portal (docs/portal.md)."""

    host: str = setting(
        "127.0.0.1",
        "TELEWORK_PORTAL_HOST",
        "where the portal listens (a container sets 0.0.0.0 behind its ingress)",
    )
    port: int = setting(8000, "TELEWORK_PORTAL_PORT", "the portal's port")
    demo_login: bool = setting(
        False,
        "TELEWORK_DEMO_LOGIN",
        "demo mode: the password form with the demo accounts",
        "0 (`make run`: 1)",
    )
    secure_cookies: bool = setting(
        False, "TELEWORK_SECURE_COOKIES", "cookies only over HTTPS (1 behind TLS)"
    )
    thai_digits: str = setting(
        "",
        "TELEWORK_THAI_DIGITS",
        "agencies whose documents use Thai numerals (codes, comma-separated; `*` for all)",
    )

    @property
    def thai_digit_agencies(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.thai_digits.split(",") if c.strip())


class SignIn(_Group):
    """The portal's sign-in at the agency's OpenID Connect provider (code + PKCE)."""

    oidc_issuer: str = setting(
        "", "TELEWORK_OIDC_ISSUER", "the provider; unset: no provider sign-in"
    )
    oidc_client_id: str = setting("", "TELEWORK_OIDC_CLIENT_ID", "the portal's client id there")
    oidc_client_secret: str | None = setting(
        None, "TELEWORK_OIDC_CLIENT_SECRET", "its secret, for a confidential client"
    )
    oidc_redirect_uri: str = setting(
        "", "TELEWORK_OIDC_REDIRECT_URI", "the portal's callback address"
    )
    oidc_claim: str = setting("email", "TELEWORK_OIDC_CLAIM", "the claim that names the official")
    oidc_match: str = setting(
        "email", "TELEWORK_OIDC_MATCH", "`email` or `official_id`: what the claim is matched with"
    )
    oidc_scope: str = setting("openid email", "TELEWORK_OIDC_SCOPE", "scopes asked for")
    oidc_ca: str | None = setting(
        None, "TELEWORK_OIDC_CA", "the provider's CA file, where it is not a public one"
    )


class Audit(_Group):
    """The audit history's checkpoints (docs/audit.md)."""

    key: str | None = setting(
        None,
        "TELEWORK_AUDIT_KEY",
        "the checkpoint key: a PEM file or a `pkcs11:` URI of a key in an HSM/KMS (docs/audit.md)",
        "`.data/audit-signing.pem`",
    )
    hsm_pin: str = setting(
        "", "TELEWORK_AUDIT_HSM_PIN", "the token's user PIN, when the URI gives no pin-source"
    )
    checkpoint_every: int = setting(
        1000, "TELEWORK_AUDIT_CHECKPOINT_EVERY", "a signed checkpoint every N events"
    )
    checkpoint_seconds: float = setting(
        300.0, "TELEWORK_AUDIT_CHECKPOINT_SECONDS", "and at least this often"
    )


class Documents(_Group):
    """Official documents and their signatures (docs/documents.md)."""

    key: str | None = setting(
        None, "TELEWORK_DOCUMENT_KEY", "the agency's signing key (PEM) for official documents"
    )
    cert: str | None = setting(
        None, "TELEWORK_DOCUMENT_CERT", "its certificate", "demo identity in demo mode"
    )
    chain: str = setting(
        "", "TELEWORK_DOCUMENT_CHAIN", "intermediate certificates (paths, `:`-separated)"
    )
    ca: str | None = setting(
        None, "TELEWORK_DOCUMENT_CA", "the trust anchor signatures are verified against"
    )
    font_cache: Path | None = setting(
        None, "TELEWORK_FONT_CACHE", "where unpacked fonts are kept", "temporary directory"
    )


class Notification(_Group):
    """Notification e-mail (docs/notifications.md)."""

    smtp_host: str = setting("127.0.0.1", "TELEWORK_SMTP_HOST", "notification e-mail: SMTP server")
    smtp_port: int = setting(1025, "TELEWORK_SMTP_PORT", "its port")
    smtp_from: str = setting("telework@localhost", "TELEWORK_SMTP_FROM", "the sender")


class Calendar(_Group):
    """Days and meetings the cabinet declares."""

    extra_holidays: str = setting(
        "", "TELEWORK_EXTRA_HOLIDAYS", "extra non-working days the cabinet declared (ISO dates)"
    )
    cabinet_meeting_kinds: str = setting(
        "",
        "TELEWORK_CABINET_NAMED_MEETING_KINDS",
        "meeting kinds the cabinet excluded from electronic meetings",
    )


class Operations(_Group):
    """Logs, health, metrics and traces (docs/operations.md)."""

    health_port: int | None = setting(
        None,
        "TELEWORK_HEALTH_PORT",
        "each service's /healthz /readyz /metrics (docs/operations.md)",
    )
    health_host: str = setting("127.0.0.1", "TELEWORK_HEALTH_HOST", "where they listen")
    log_format: Literal["text", "json"] = setting(
        "text", "TELEWORK_LOG_FORMAT", "`json` for one JSON object per log line"
    )
    debug: bool = setting(False, "TELEWORK_DEBUG", "CLI errors with their traceback")
    otlp_endpoint: str | None = setting(
        None,
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTLP export of traces and metrics (standard OpenTelemetry variables)",
    )
    otlp_traces_endpoint: str | None = setting(
        None, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "traces only"
    )
    otlp_metrics_endpoint: str | None = setting(
        None, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "metrics only"
    )
    parent_pid: int | None = setting(
        None,
        "TELEWORK_PARENT_PID",
        "set by `telework run` (and the test suite) for the services it starts: they stop when "
        "it dies; unset under an orchestrator",
    )
    traces_console: bool = setting(False, "OTEL_TRACES_CONSOLE", "spans printed on the console")
    metrics_console: bool = setting(False, "OTEL_METRICS_CONSOLE", "metrics printed on the console")

    @property
    def otlp(self) -> bool:
        return bool(self.otlp_endpoint or self.otlp_traces_endpoint or self.otlp_metrics_endpoint)


GROUPS: tuple[type[_Group], ...] = (
    Stack,
    Trust,
    Portal,
    SignIn,
    Audit,
    Documents,
    Notification,
    Calendar,
    Operations,
)


@dataclass(frozen=True)
class Environment:
    stack: Stack
    trust: Trust
    portal: Portal
    sign_in: SignIn
    audit: Audit
    documents: Documents
    notification: Notification
    calendar: Calendar
    operations: Operations


def environment() -> Environment:
    return Environment(
        stack=Stack(),
        trust=Trust(),
        portal=Portal(),
        sign_in=SignIn(),
        audit=Audit(),
        documents=Documents(),
        notification=Notification(),
        calendar=Calendar(),
        operations=Operations(),
    )


def async_database_url(url: str) -> str:
    """Accept the URLs people write (`postgresql://…`, `sqlite:///…`) and pick async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@dataclass(frozen=True)
class Settings:
    """What one service connects to."""

    service: str
    database_url: str
    nats_url: str
    temporal_address: str
    temporal_namespace: str
    data_dir: Path

    @classmethod
    def from_env(cls, service: str) -> "Settings":
        stack = Stack()
        data_dir = stack.data_dir.resolve()
        default_db = f"sqlite+aiosqlite:///{data_dir / (service + '.db')}"
        return cls(
            service=service,
            database_url=async_database_url(stack.database_url or default_db),
            nats_url=stack.nats_url,
            temporal_address=stack.temporal_address,
            temporal_namespace=stack.temporal_namespace,
            data_dir=data_dir,
        )
