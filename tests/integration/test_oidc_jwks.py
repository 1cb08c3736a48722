"""Production tokens: verified against an OIDC issuer's JWKS, set by configuration (issue #3)."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.stack import free_port
from services.shared.auth import AuthError, verifier_from_env
from services.shared.authz import Role

pytestmark = pytest.mark.integration
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER = "https://sso.example.go.th/realms/onde"


@pytest.fixture
def jwks_url() -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/certs"
    server.shutdown()


def token(**claims: Any) -> str:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": "telework",
        "sub": "D0102",
        "iat": now,
        "exp": now + 600,
        "grants": [{"role": "official", "agency": "ONDE-STRAT"}],
    }
    return jwt.encode({**base, **claims}, KEY, algorithm="RS256", headers={"kid": "k1"})


def test_tokens_of_the_configured_issuer_are_verified_against_its_jwks(
    jwks_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEWORK_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("TELEWORK_OIDC_JWKS_URL", jwks_url)
    verifier = verifier_from_env(tmp_path)
    actor = verifier.verify(token())
    assert actor.subject == "D0102" and actor.grants[0].role is Role.OFFICIAL
    with pytest.raises(AuthError, match="not for audience"):
        verifier.verify(token(aud="another-app"))
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token(exp=int(time.time()) - 60))
    with pytest.raises(AuthError, match="not from issuer"):
        verifier.verify(token(iss="https://evil.example"))


def test_issuer_without_jwks_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEWORK_OIDC_ISSUER", ISSUER)
    monkeypatch.delenv("TELEWORK_OIDC_JWKS_URL", raising=False)
    with pytest.raises(AuthError, match="TELEWORK_OIDC_JWKS_URL"):
        verifier_from_env(tmp_path)
