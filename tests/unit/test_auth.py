"""Tokens: expired, tampered, wrong-audience and foreign tokens are refused with a reason."""

from datetime import timedelta
from pathlib import Path

import pytest

from services.shared.auth import AuthError, DevIssuer, TokenVerifier
from services.shared.authz import Actor, Grant, Role
from services.shared.clock import now

ACTOR = Actor("D0102", (Grant(Role.OFFICIAL, "ONDE-STRAT"),), "official1@onde.example.go.th")


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "k.pem")


def test_round_trip_keeps_subject_and_grants(issuer: DevIssuer) -> None:
    actor = issuer.verifier().verify(issuer.issue(ACTOR))
    assert actor == ACTOR


def test_the_key_survives_a_restart(issuer: DevIssuer, tmp_path: Path) -> None:
    again = DevIssuer.load_or_create(tmp_path / "k.pem")
    assert again.verifier().verify(issuer.issue(ACTOR)).subject == "D0102"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda i: i.issue(ACTOR, now=now() - timedelta(hours=9)), "token expired"),
        (lambda i: i.issue(ACTOR, audience="someone-else"), "not for audience 'telework'"),
        (lambda i: i.issue(ACTOR)[:-4] + "AAAA", "signature does not verify"),
        (lambda i: "not.a.jwt", "token refused"),
        (lambda i: "", "no token"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(issuer: DevIssuer, mangle, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AuthError, match=reason):
        issuer.verifier().verify(mangle(issuer))


def test_token_from_another_issuer_is_refused(issuer: DevIssuer) -> None:
    other = TokenVerifier(issuer.key.public_key(), "https://sso.example.go.th", "telework")
    with pytest.raises(AuthError, match="not from issuer"):
        other.verify(issuer.issue(ACTOR))


class TestRememberedTokens:
    """A verified token is remembered until it expires; nothing else is ever remembered."""

    def test_a_remembered_token_is_refused_once_it_expires(self, issuer: DevIssuer) -> None:
        seconds = [now().timestamp()]
        verifier = TokenVerifier(
            issuer.key.public_key(),
            issuer.issuer,
            issuer.audience,
            clock_seconds=lambda: seconds[0],
        )
        token = issuer.issue(ACTOR, ttl=timedelta(minutes=5))
        assert verifier.verify(token) == ACTOR
        assert verifier.verify(token) == ACTOR  # from memory
        seconds[0] += 301
        with pytest.raises(AuthError, match="token expired"):
            verifier.verify(token)
        assert token not in verifier._verified

    def test_a_tampered_copy_of_a_remembered_token_is_refused(self, issuer: DevIssuer) -> None:
        verifier = issuer.verifier()
        token = issuer.issue(ACTOR)
        verifier.verify(token)
        head, payload, signature = token.split(".")
        with pytest.raises(AuthError, match="signature does not verify"):
            verifier.verify(f"{head}.{payload}.{signature[:-4]}AAAA")

    def test_memory_is_bounded(self, issuer: DevIssuer) -> None:
        verifier = TokenVerifier(
            issuer.key.public_key(), issuer.issuer, issuer.audience, remember=3
        )
        tokens = [issuer.issue(ACTOR) for _ in range(5)]
        for t in tokens:
            verifier.verify(t)
        assert list(verifier._verified) == tokens[2:]


class TestServiceCredentials:
    """Issue #13, item 2 (R-SEC-1): no reusable all-powerful token on the bus."""

    def test_a_long_running_service_keeps_working_with_short_bound_tokens(
        self, issuer: DevIssuer
    ) -> None:
        from datetime import datetime

        from services.shared.auth import ServiceCredentials
        from services.shared.clock import BANGKOK

        t = [datetime(2026, 12, 1, 8, tzinfo=BANGKOK)]
        creds = ServiceCredentials("portal", issuer, now=lambda: t[0])
        identity = TokenVerifier(
            issuer.key.public_key(),
            issuer.issuer,
            issuer.audience,
            clock_seconds=lambda: t[0].timestamp(),
            service="identity",
        )
        first = creds.token("identity")
        assert identity.verify(first).subject == "svc:portal"
        seen = {first}
        for _ in range(3 * 24 * 60):  # three days, a request a minute
            t[0] += timedelta(minutes=1)
            token = creds.token("identity")
            seen.add(token)
            assert identity.verify(token).subject == "svc:portal"
        assert len(seen) > 400  # renewed all along, each living 15 minutes
        with pytest.raises(AuthError, match="expired"):
            identity.verify(first)

    def test_a_token_for_one_service_is_refused_by_another(self, issuer: DevIssuer) -> None:
        from services.shared.auth import ServiceCredentials

        creds = ServiceCredentials("portal", issuer)
        for_identity = creds.token("identity")
        with pytest.raises(AuthError, match="audience"):
            issuer.verifier(service="attendance").verify(for_identity)
        with pytest.raises(AuthError, match="audience"):
            issuer.verifier().verify(for_identity)  # nor as a user's token at the portal
        assert issuer.verifier(service="identity").verify(for_identity).subject == "svc:portal"
