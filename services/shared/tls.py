"""TLS for connections that leave the machine (issue #13): NATS and Temporal, from settings.

On loopback (`make run`) neither is needed. Across machines, set the CA that signed the
servers' certificates and, for mutual TLS, this component's own certificate and key:

| setting | for |
|---|---|
| `TELEWORK_NATS_TLS_CA`, `TELEWORK_NATS_TLS_CERT`, `TELEWORK_NATS_TLS_KEY` | NATS (`tls://` URLs) |
| `TEMPORAL_TLS_CA`, `TEMPORAL_TLS_CERT`, `TEMPORAL_TLS_KEY` | Temporal (mTLS) |
| `TEMPORAL_API_KEY` | Temporal Cloud or a server that takes API keys |
"""

import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.shared.settings import Stack


class TlsSettingsError(ValueError):
    """A certificate without its key, or a file that is not there."""


def _settings(env: Mapping[str, str] | None) -> Stack:
    """The site's settings, or (tests) the variables given, by their names."""
    return Stack() if env is None else Stack.model_validate(dict(env))


def _file(value: str | None, name: str) -> Path | None:
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise TlsSettingsError(f"{name}={value}: no such file")
    return path


def nats_tls(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for nats.connect: an SSL context when a CA or a client certificate is
    set, nothing otherwise."""
    s = _settings(env)
    ca = _file(s.nats_tls_ca, "TELEWORK_NATS_TLS_CA")
    cert = _file(s.nats_tls_cert, "TELEWORK_NATS_TLS_CERT")
    key = _file(s.nats_tls_key, "TELEWORK_NATS_TLS_KEY")
    if ca is None and cert is None:
        return {}
    if (cert is None) != (key is None):
        raise TlsSettingsError("TELEWORK_NATS_TLS_CERT and TELEWORK_NATS_TLS_KEY go together")
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca) if ca else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None and key is not None:
        context.load_cert_chain(str(cert), str(key))
    return {"tls": context}


def temporal_tls(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for temporalio's Client.connect: `tls` and `api_key` when set."""
    from temporalio.service import TLSConfig

    s = _settings(env)
    ca = _file(s.temporal_tls_ca, "TEMPORAL_TLS_CA")
    cert = _file(s.temporal_tls_cert, "TEMPORAL_TLS_CERT")
    key = _file(s.temporal_tls_key, "TEMPORAL_TLS_KEY")
    out: dict[str, Any] = {}
    if (cert is None) != (key is None):
        raise TlsSettingsError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together")
    if ca or cert:
        out["tls"] = TLSConfig(
            server_root_ca_cert=ca.read_bytes() if ca else None,
            client_cert=cert.read_bytes() if cert else None,
            client_private_key=key.read_bytes() if key else None,
        )
    if s.temporal_api_key:
        out["api_key"] = s.temporal_api_key
        out.setdefault("tls", True)  # an API key never travels in clear text
    return out
