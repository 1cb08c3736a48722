"""TLS for connections that leave the machine (issue #13): a real nats-server with TLS, joined
with the CA from the settings; Temporal's TLS and API-key settings built from the same kind of
settings. (`make run` stays on loopback without TLS.)"""

import datetime as dt
import ipaddress
from pathlib import Path

import nats
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.shared.tls import TlsSettingsError, nats_tls, temporal_tls
from tests.support.servers import NatsServer

pytestmark = pytest.mark.integration


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def certificates(folder: Path) -> dict[str, Path]:
    """A CA, and a server certificate for 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "telework test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {
        "ca": folder / "ca.pem",
        "cert": folder / "server.pem",
        "key": folder / "server-key.pem",
    }
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(_pem_key(key))
    return paths


async def test_nats_over_tls_with_the_ca_from_the_settings(tmp_path: Path) -> None:
    pem = certificates(tmp_path)
    server = NatsServer(store=tmp_path / "js")
    conf = tmp_path / "tls.conf"
    conf.write_text(
        f"listen: 127.0.0.1:{server.port}\n"
        f'tls {{ cert_file: "{pem["cert"]}", key_file: "{pem["key"]}" }}\n'
    )
    server.config = conf
    server.start()
    try:
        options = nats_tls({"TELEWORK_NATS_TLS_CA": str(pem["ca"])})
        nc = await nats.connect(f"tls://127.0.0.1:{server.port}", **options)
        assert nc.is_connected
        await nc.close()
        with pytest.raises(Exception):  # noqa: B017 - without the CA the server is not trusted
            await nats.connect(
                f"tls://127.0.0.1:{server.port}", allow_reconnect=False, max_reconnect_attempts=0
            )
    finally:
        server.cleanup()


def test_settings_that_do_not_hold_together_are_refused(tmp_path: Path) -> None:
    pem = certificates(tmp_path)
    assert nats_tls({}) == {}
    with pytest.raises(TlsSettingsError, match="go together"):
        nats_tls({"TELEWORK_NATS_TLS_CERT": str(pem["cert"])})
    with pytest.raises(TlsSettingsError, match="no such file"):
        nats_tls({"TELEWORK_NATS_TLS_CA": str(tmp_path / "missing.pem")})
    mtls = temporal_tls(
        {
            "TEMPORAL_TLS_CA": str(pem["ca"]),
            "TEMPORAL_TLS_CERT": str(pem["cert"]),
            "TEMPORAL_TLS_KEY": str(pem["key"]),
        }
    )
    assert mtls["tls"].client_cert == pem["cert"].read_bytes()
    assert temporal_tls({"TEMPORAL_API_KEY": "k"}) == {"api_key": "k", "tls": True}
    assert temporal_tls({}) == {}
