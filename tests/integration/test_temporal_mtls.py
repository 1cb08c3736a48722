"""Temporal over mutual TLS, from the settings (issue #15 item 3): a worker and a client that
connect with `TEMPORAL_TLS_CA`, `TEMPORAL_TLS_CERT` and `TEMPORAL_TLS_KEY` run a workflow; a
client without a certificate, with one from another CA, or that does not trust the server's CA
is refused before it can start anything.

No Temporal cluster with TLS runs here, so the dev server sits behind a TLS terminator that
does what a cluster's frontend does with `requireClientAuth: true`: it presents the server's
certificate (HTTP/2 by ALPN, as gRPC needs) and accepts only clients with a certificate from
the CA it trusts. What is tested is ours: the settings, the client's TLS configuration and the
handshake they lead to."""

import asyncio
import contextlib
import ssl
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.worker import Worker

from infra.stack import free_port, start_temporal
from tests.support.tls import certificates, client_certificate
from tests.support.trivial_workflow import Trivial, noop
from workflows.engagement.worker import temporal_client

pytestmark = pytest.mark.integration


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def mtls_frontend(upstream: int, pem: dict[str, Path]) -> AsyncIterator[int]:
    """A TLS port in front of the dev server that requires a client certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pem["ca"]))
    context.load_cert_chain(str(pem["cert"]), str(pem["key"]))
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    port = free_port()
    server = await asyncio.start_server(serve, "127.0.0.1", port, ssl=context)
    try:
        yield port
    finally:
        server.close()


@pytest.fixture(scope="module")
def dev_server() -> Iterator[int]:
    data = Path(tempfile.mkdtemp(prefix="temporal-mtls-"))
    port = free_port()
    proc = start_temporal(data, port=port, ui_port=free_port())
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(20)


def _settings(monkeypatch: pytest.MonkeyPatch, **values: Path | None) -> None:
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, str(value))


async def test_a_worker_and_a_client_with_certificates_run_a_workflow(
    dev_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = certificates(tmp_path)
    engagement = client_certificate(tmp_path, pem, "telework-engagement")
    async with mtls_frontend(dev_server, pem) as port:
        _settings(
            monkeypatch,
            TEMPORAL_TLS_CA=pem["ca"],
            TEMPORAL_TLS_CERT=engagement["cert"],
            TEMPORAL_TLS_KEY=engagement["key"],
        )
        client = await temporal_client(f"127.0.0.1:{port}")
        queue = f"mtls-{uuid.uuid4().hex[:8]}"
        async with Worker(client, task_queue=queue, workflows=[Trivial], activities=[noop]):
            result = await client.execute_workflow(
                Trivial.run, 7, id=f"mtls-{uuid.uuid4().hex}", task_queue=queue
            )
        assert result == 7


@pytest.mark.parametrize("missing", ["client certificate", "foreign CA", "server not trusted"])
async def test_a_client_without_the_right_certificates_is_refused(
    missing: str, dev_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = certificates(tmp_path)
    own = client_certificate(tmp_path, pem, "telework-portal")
    other = tmp_path / "other"
    other.mkdir()
    foreign = client_certificate(other, certificates(other, "someone else's CA"), "intruder")
    cases: dict[str, dict[str, Path | None]] = {
        "client certificate": {"TEMPORAL_TLS_CA": pem["ca"]},
        "foreign CA": {
            "TEMPORAL_TLS_CA": pem["ca"],
            "TEMPORAL_TLS_CERT": foreign["cert"],
            "TEMPORAL_TLS_KEY": foreign["key"],
        },
        "server not trusted": {
            "TEMPORAL_TLS_CA": None,
            "TEMPORAL_TLS_CERT": own["cert"],
            "TEMPORAL_TLS_KEY": own["key"],
        },
    }
    settings = cases[missing]
    async with mtls_frontend(dev_server, pem) as port:
        _settings(
            monkeypatch,
            **{"TEMPORAL_TLS_CA": None, "TEMPORAL_TLS_CERT": None, "TEMPORAL_TLS_KEY": None},
        )
        _settings(monkeypatch, **settings)
        with pytest.raises(RuntimeError) as refused:
            client = await asyncio.wait_for(temporal_client(f"127.0.0.1:{port}"), 20)
            # Some refusals surface at the first call rather than at connect.
            await asyncio.wait_for(client.service_client.check_health(), 20)
        # Refused in the handshake: by the frontend (no or a foreign client certificate), or by
        # the client itself (a server certificate from a CA it was not told to trust).
        why = str(refused.value)
        assert "Failed client connect" in why
        assert ("UnknownIssuer" if missing == "server not trusted" else "Error(Transport") in why
