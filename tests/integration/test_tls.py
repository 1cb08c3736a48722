"""TLS for connections that leave the machine (issue #13): a real nats-server with TLS, joined
with the CA from the settings; Temporal's TLS and API-key settings built from the same kind of
settings. (`make run` stays on loopback without TLS.)"""

from pathlib import Path

import nats
import pytest

from services.shared.tls import TlsSettingsError, nats_tls, temporal_tls
from tests.support.servers import NatsServer
from tests.support.tls import certificates

pytestmark = pytest.mark.integration


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
