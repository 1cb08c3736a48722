"""`telework audit rotate-key | generate-key | public-key`: the key that signs checkpoints,
for the platform's administrator (R-SEC-5). Registered on `telework audit` by cli.py."""

import asyncio
from typing import Annotated, Any

import typer

from services.registry import opened
from services.shared.cli_options import Token
from services.shared.settings import Settings, Trust


def rotate_key(
    new_key: Annotated[
        str,
        typer.Option(help="the new Ed25519 key: a PEM file, or a pkcs11: URI of a key in a token"),
    ],
    token: Token = None,
) -> None:
    """Administrator: hand checkpoint signing over to a new key (both keys sign).

    Hand the audit signing over to a new key: both keys sign the hand-over, kept in the
    store and published as key_rotated. A key file is then replaced by the new key (the old one
    kept beside it, renamed); a token's key stays where it is and TELEWORK_AUDIT_KEY is pointed
    at the new one. Stop every audit replica first: a checkpoint signed meanwhile by the old key
    would not verify."""
    import shutil

    from services.audit.adapters.keys import KeyLocation, KeyUnavailable, key_location
    from services.audit.domain.signing import fingerprint
    from services.audit.service_layer.store import Chain, ChainDoesNotExtend, KeyRetired
    from services.shared.auth import AuthError, verifier_from_env
    from services.shared.authz import Resource, can
    from services.shared.usage import UsageError

    token = token or Trust().caller_token or ""
    try:
        actor = verifier_from_env(Settings.from_env("audit").data_dir).verify(token)
    except AuthError as exc:
        raise UsageError(f"token refused: {exc}") from None
    scope = tuple(sorted({g.agency for g in actor.grants}))
    if not can(actor, "audit.rotate_key", Resource("audit", scope)):
        raise UsageError("rotating the audit key is for the platform's administrator")
    location = key_location(Settings.from_env("audit").data_dir)
    target = KeyLocation(new_key)
    try:
        if not location.exists():
            raise UsageError(
                f"the audit key ({location.describe()}) does not exist: nothing to hand over from"
            )
        if not target.exists():
            raise UsageError(f"{target.describe()}: no such key")
        old, new = location.open(), target.open()
    except KeyUnavailable as exc:
        raise UsageError(str(exc)) from None
    if fingerprint(old.public_key()) == fingerprint(new.public_key()):
        raise UsageError("the new key is the key in use")

    async def run() -> Any:
        async with opened("audit") as ctx, ctx.sessions.begin() as s:
            return await Chain(old).rotate(s, new)

    try:
        rotation = asyncio.run(run())
    except (KeyRetired, ChainDoesNotExtend) as exc:
        raise UsageError(str(exc)) from None
    handed = (
        f"key handed over after position {rotation.position}: "
        f"{fingerprint(old.public_key())[:16]}… → {fingerprint(new.public_key())[:16]}…"
    )
    if location.in_token or target.in_token:
        print(
            f"{handed}. Set TELEWORK_AUDIT_KEY to {new_key} and start the audit service "
            "again; keep the old key in its token (it proves the checkpoints it signed)."
        )
        return
    path = location.path
    retired = path.with_name(f"{path.name}.retired-{fingerprint(old.public_key())[:16]}")
    path.rename(retired)
    shutil.copyfile(target.path, path)
    path.chmod(0o600)
    print(f"{handed}; the old key is kept as {retired}. Start the audit service again.")


def generate_key(
    uri: Annotated[str, typer.Option(help="pkcs11:token=…;object=…?module-path=…")],
) -> None:
    """Make the audit key inside a PKCS#11 token (HSM, KMS); not extractable.

    Prints its public half:
    what an HSM's administrator runs once, before the first start or a rotation."""
    from services.audit.adapters.keys import KeyUnavailable, Pkcs11Uri, generate_in_token
    from services.audit.domain.signing import fingerprint
    from services.shared.usage import UsageError

    try:
        public = generate_in_token(Pkcs11Uri.parse(uri))
    except KeyUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(f"made an Ed25519 key in the token; fingerprint {fingerprint(public)}")


def public_key() -> None:
    """The key that signs checkpoints (PEM)."""
    from services.audit.adapters.keys import KeyUnavailable, key_location
    from services.audit.domain.signing import public_pem
    from services.shared.usage import UsageError

    try:  # the key in use; a file key not made yet is made here, as the service would
        key = key_location(Settings.from_env("audit").data_dir).open(create=True)
    except KeyUnavailable as exc:
        raise UsageError(f"the audit key cannot be used: {exc}") from None
    print(public_pem(key), end="")
