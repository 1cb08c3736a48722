"""Where the audit signing key is kept (R-SEC-5): a PEM file (the default, mode 0600, apart from
the store) or a PKCS#11 token — a hardware security module, or a cloud KMS through its PKCS#11
library (Google Cloud KMS's `libkmsp11`, AWS CloudHSM's, Thales Luna's…). With a token the
private key never enters this process: the token signs, we only hold a session.

`TELEWORK_AUDIT_KEY` is a file path or an RFC 7512 PKCS#11 URI:

    pkcs11:token=telework;object=audit-signing?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/hsm-pin

The PIN comes from `pin-source` (a file), else `TELEWORK_AUDIT_HSM_PIN`; `pin-value` in the URI
is refused, so that a PIN never sits in a setting that is printed or logged.
"""

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain.signing import Signer
from services.shared.settings import Audit

PKCS11 = "pkcs11:"
ED25519_OID = "1.3.101.112"


class KeyUnavailable(RuntimeError):
    """The key named by the setting cannot be used; the message says what to do."""


class KeyMissing(KeyUnavailable):
    """The place is there (a file's folder, a token) but holds no such key."""


@dataclass(frozen=True)
class Pkcs11Uri:
    token: str
    object: str
    module_path: str
    pin_source: str = ""
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, uri: str) -> "Pkcs11Uri":
        if not uri.startswith(PKCS11):
            raise KeyUnavailable(f"not a PKCS#11 URI: {uri!r}")
        path, _, query = uri[len(PKCS11) :].partition("?")
        attributes = {
            unquote(k): unquote(v)
            for k, _, v in (part.partition("=") for part in path.split(";") if part)
        }
        params = dict(parse_qsl(query, keep_blank_values=True))
        if "pin-value" in params:
            raise KeyUnavailable(
                "a PIN in the key's URI would be printed wherever the setting is: use "
                "pin-source=file:… or TELEWORK_AUDIT_HSM_PIN"
            )
        missing = [
            name
            for name, value in (
                ("token", attributes.get("token")),
                ("object", attributes.get("object")),
                ("module-path", params.get("module-path")),
            )
            if not value
        ]
        if missing:
            raise KeyUnavailable(f"the PKCS#11 URI lacks {', '.join(missing)}")
        return cls(
            attributes["token"],
            attributes["object"],
            params["module-path"],
            params.get("pin-source", ""),
            uri,
        )

    def pin(self) -> str:
        if self.pin_source:
            source = self.pin_source.removeprefix("file:")
            try:
                return Path(source).read_text().strip()
            except OSError as exc:
                raise KeyUnavailable(f"the token's PIN file cannot be read: {exc}") from None
        pin = Audit().hsm_pin
        if not pin:
            raise KeyUnavailable("no PIN for the token: set pin-source or TELEWORK_AUDIT_HSM_PIN")
        return pin

    def describe(self) -> str:
        """For messages: where the key is, never the PIN."""
        return f"PKCS#11 token {self.token!r}, key {self.object!r}"


@functools.cache
def _library(module_path: str) -> Any:
    import pkcs11

    # A PKCS#11 module may be initialised once per process: one handle per module path.
    try:
        return pkcs11.lib(module_path)
    except RuntimeError as exc:  # the module cannot be loaded
        raise KeyUnavailable(f"the PKCS#11 module {module_path} cannot be loaded: {exc}") from None


_sessions: dict[tuple[str, str], tuple[str, Any]] = {}


def _session(uri: Pkcs11Uri) -> Any:
    """The process's one logged-in session with a token. PKCS#11 keeps the login per
    application and token, not per session: a second login is refused (CKR_USER_ALREADY_LOGGED_IN),
    so every signer of that token shares this session."""
    import pkcs11

    pin = uri.pin()
    known = _sessions.get((uri.module_path, uri.token))
    if known is not None:
        if known[0] != pin:
            raise KeyUnavailable(f"token {uri.token!r} is open in this process with another PIN")
        return known[1]
    try:
        session = (
            _library(uri.module_path).get_token(token_label=uri.token).open(user_pin=pin, rw=True)
        )
    except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
        raise KeyUnavailable(f"no single token labelled {uri.token!r}") from None
    except (pkcs11.PinIncorrect, pkcs11.PinLenRange, pkcs11.PinLocked) as exc:
        raise KeyUnavailable(
            f"the PIN of token {uri.token!r} is refused ({type(exc).__name__})"
        ) from None
    _sessions[(uri.module_path, uri.token)] = (pin, session)
    return session


class Pkcs11Signer:
    """An Ed25519 key held by a PKCS#11 token, signing with CKM_EDDSA (PKCS#11 3.0)."""

    def __init__(self, uri: Pkcs11Uri) -> None:
        import pkcs11
        from pkcs11 import Attribute, KeyType, ObjectClass

        self.uri = uri
        self._session = _session(uri)
        try:
            self._private = self._session.get_key(
                ObjectClass.PRIVATE_KEY, KeyType.EC_EDWARDS, label=uri.object
            )
            public = self._session.get_key(
                ObjectClass.PUBLIC_KEY, KeyType.EC_EDWARDS, label=uri.object
            )
        except pkcs11.NoSuchKey:
            raise KeyMissing(f"{uri.describe()} does not exist") from None
        except pkcs11.MultipleObjectsReturned:
            raise KeyUnavailable(f"{uri.describe()} names several keys") from None
        self._public = Ed25519PublicKey.from_public_bytes(_raw_point(public[Attribute.EC_POINT]))

    def sign(self, data: bytes) -> bytes:
        from pkcs11 import Mechanism

        return bytes(self._private.sign(data, mechanism=Mechanism.EDDSA))

    def public_key(self) -> Ed25519PublicKey:
        return self._public


def _raw_point(point: bytes) -> bytes:
    """CKA_EC_POINT of an Edwards key is the 32 raw bytes wrapped in a DER OCTET STRING by most
    tokens (SoftHSM, Luna) and bare by a few."""
    point = bytes(point)
    if len(point) == 34 and point[0] == 0x04 and point[1] == 32:
        return point[2:]
    if len(point) == 32:
        return point
    raise KeyUnavailable("the token's key is not an Ed25519 key")


def generate_in_token(uri: Pkcs11Uri) -> Ed25519PublicKey:
    """Make the Ed25519 key inside the token: sensitive and not extractable, so nobody — this
    platform included — can ever read the private half out. Refused if the label is taken."""
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    if KeyLocation(uri.text).exists():
        raise KeyUnavailable(f"{uri.describe()} exists already: choose another label")
    session = _session(uri)
    params = session.create_domain_parameters(
        KeyType.EC_EDWARDS,
        {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
        local=True,
    )
    try:
        public, _ = params.generate_keypair(
            store=True,
            label=uri.object,
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
    except pkcs11.PKCS11Error as exc:
        raise KeyUnavailable(f"the token could not make an Ed25519 key: {exc!r}") from None
    return Ed25519PublicKey.from_public_bytes(_raw_point(public[Attribute.EC_POINT]))


@dataclass(frozen=True)
class KeyLocation:
    """The setting, read once: a file or a token."""

    setting: str

    @property
    def in_token(self) -> bool:
        return self.setting.startswith(PKCS11)

    @property
    def path(self) -> Path:
        return Path(self.setting)

    def describe(self) -> str:
        return Pkcs11Uri.parse(self.setting).describe() if self.in_token else str(self.path)

    def exists(self) -> bool:
        if not self.in_token:
            return self.path.exists()
        try:
            Pkcs11Signer(Pkcs11Uri.parse(self.setting))
        except KeyMissing:
            return False
        return True

    def open(self, *, create: bool = False) -> Signer:
        """The signer; a file key is made only when `create` (an empty chain's first start),
        a token's key never (the HSM's administrator makes it, or `telework audit
        generate-key`)."""
        if self.in_token:
            return Pkcs11Signer(Pkcs11Uri.parse(self.setting))
        from services.shared.auth import load_key, load_or_create_key

        if create:
            return load_or_create_key(self.path)
        if not self.path.exists():
            raise KeyMissing(f"the audit key {self.path} does not exist")
        return load_key(self.path)


def key_location(data_dir: Path) -> KeyLocation:
    """Apart from the store (its own setting, mode 0600): whoever can write the store must not
    also hold the key (R-SEC-5)."""
    return KeyLocation(Audit().key or str(data_dir / "audit-signing.pem"))
