"""Settings from the environment, read in one place.

| variable | default | meaning |
|---|---|---|
| `DATABASE_URL` | SQLite file `.data/<service>.db` | PostgreSQL in production |
| `NATS_URL` | `nats://127.0.0.1:4222` | NATS with JetStream |
| `TEMPORAL_ADDRESS` | `127.0.0.1:7233` | Temporal frontend |
| `TEMPORAL_NAMESPACE` | `default` | Temporal namespace |
| `TELEWORK_DATA_DIR` | `.data` | embedded stack's files |
"""

import os
from dataclasses import dataclass
from pathlib import Path


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
    service: str
    database_url: str
    nats_url: str
    temporal_address: str
    temporal_namespace: str
    data_dir: Path

    @classmethod
    def from_env(cls, service: str) -> "Settings":
        data_dir = Path(os.environ.get("TELEWORK_DATA_DIR", ".data")).resolve()
        default_db = f"sqlite+aiosqlite:///{data_dir / (service + '.db')}"
        return cls(
            service=service,
            database_url=async_database_url(os.environ.get("DATABASE_URL", default_db)),
            nats_url=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"),
            temporal_address=os.environ.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            temporal_namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"),
            data_dir=data_dir,
        )
