"""One NATS identity per component, least privilege (issue #13, R-SEC-1).

Each service connects with its own NKEY (a seed file only it reads, mode 0600; no password in a
URL). The server lets it publish its own context's events and nothing else of the event space,
answer only its own request subjects (and reply only to requests it received), read only its
own inbox and bind only its own durable consumers. Only the `admin` identity may manage
streams; anonymous connections are refused.

`render(...)` writes the server configuration; `seed_dir/<name>.nk` the seeds. A process picks
its identity once (`use(name, seed_dir)`); `connection_options()` then adds the seed and the
private inbox prefix to every connection it opens. With no seed file (tests on a plain server,
a site with its own NATS), connections stay as configured by the URL.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.subjects import (
    CONTRACT_VERSION,
    DEAD_LETTER_ROOT,
    DEAD_LETTER_STREAM,
    RPC_ROOT,
    STREAM_NAME,
    SUBJECT_ROOT,
)
from services.shared.secret_file import read_or_make
from services.shared.settings import Stack


@dataclass(frozen=True)
class Identity:
    name: str
    contexts: tuple[str, ...] = ()  # event contexts it publishes (its outbox relay)
    answers: str | None = None  # the request/reply service it is (telework.rpc.<answers>.>)
    durables: tuple[str, ...] = ()  # its durable consumers on TELEWORK (and <d>-replay on DLQ)
    admin: bool = False


SERVICES: tuple[Identity, ...] = (
    Identity("identity", ("identity",), "identity"),
    Identity("engagement", ("engagement",)),
    Identity("attendance", ("attendance",), "attendance", ("attendance",)),
    # audit records the yearly evaluation it computes from the chain (issue #18)
    Identity("audit", ("audit", "evaluation"), "audit", ("audit",)),
    Identity("notification", ("notification",), "notification", ("notification",)),
    Identity("meetings", ("meeting",), "meetings"),
    # the portal's read model of the engagements (issue #16) is its own durable consumer
    Identity("portal", ("support", "document", "evaluation"), durables=("portal",)),
)
ADMIN = Identity("admin", admin=True)
ALL: tuple[Identity, ...] = (*SERVICES, ADMIN)


def inbox_prefix(name: str) -> str:
    return f"_INBOX_{name}"


def _durable_api(stream: str, durable: str) -> list[str]:
    api = "$JS.API.CONSUMER"
    return [
        f"{api}.INFO.{stream}.{durable}",
        f"{api}.CREATE.{stream}.{durable}",
        f"{api}.CREATE.{stream}.{durable}.>",
        f"{api}.DURABLE.CREATE.{stream}.{durable}",
        f"{api}.MSG.NEXT.{stream}.{durable}",
        f"$JS.ACK.{stream}.{durable}.>",
    ]


def permissions(who: Identity) -> tuple[list[str], list[str]]:
    """(publish allow, subscribe allow) for one identity."""
    if who.admin:
        return [">"], [">"]
    events = f"{SUBJECT_ROOT}.{CONTRACT_VERSION}"
    publish = [f"{events}.*.{c}.>" for c in who.contexts]
    publish += [
        f"{RPC_ROOT}.>",  # asking other services (they check the token it carries)
        "$JS.API.INFO",
        f"$JS.API.STREAM.INFO.{STREAM_NAME}",
        f"$JS.API.STREAM.INFO.{DEAD_LETTER_STREAM}",
    ]
    for durable in who.durables:
        publish += _durable_api(STREAM_NAME, durable)
        publish += _durable_api(DEAD_LETTER_STREAM, f"{durable}-replay")
        publish.append(f"{DEAD_LETTER_ROOT}.{durable}")
    subscribe = [f"{inbox_prefix(who.name)}.>"]
    if who.answers:
        subscribe.append(f"{RPC_ROOT}.{who.answers}.>")
    return publish, subscribe


def new_seed() -> bytes:
    import nkeys

    return bytes(nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER))


def public_key(seed: bytes) -> str:
    import nkeys

    return str(nkeys.from_seed(bytearray(seed)).public_key.decode())


def ensure_seeds(seed_dir: Path, identities: tuple[Identity, ...] = ALL) -> dict[str, str]:
    """A seed file per identity (made once, mode 0600); returns name → public key."""
    seed_dir.mkdir(parents=True, exist_ok=True)
    seed_dir.chmod(0o700)
    keys = {}
    for who in identities:
        keys[who.name] = public_key(read_or_make(seed_dir / f"{who.name}.nk", new_seed).strip())
    return keys


def _quoted(subjects: list[str]) -> str:
    return ", ".join(f'"{s}"' for s in subjects)


def user_blocks(keys: dict[str, str], identities: tuple[Identity, ...] = ALL) -> list[str]:
    blocks = []
    for who in identities:
        pub, sub = permissions(who)
        responses = "" if who.admin or not who.answers else "\n          allow_responses: true"
        blocks.append(
            f'      {{ nkey: "{keys[who.name]}", permissions: {{\n'
            f"          publish: {{ allow: [{_quoted(pub)}] }}\n"
            f"          subscribe: {{ allow: [{_quoted(sub)}] }}{responses}\n"
            f"      }} }}"
        )
    return blocks


# The identity of this process, chosen once at start (a service's runtime, or the CLI).
_current: dict[str, Any] = {}


def use(name: str, seed_dir: Path) -> bool:
    """Connect as `name` from now on, if its seed file exists; True if it does."""
    seed = seed_dir / f"{name}.nk"
    _current.clear()
    if seed.exists():
        _current.update(name=name, nkeys_seed=str(seed), inbox_prefix=inbox_prefix(name))
    return bool(_current)


def connection_options() -> dict[str, Any]:
    """This process's identity, and TLS when the site configured it (services/shared/tls.py)."""
    from services.shared.tls import nats_tls

    return {**{k: v for k, v in _current.items() if k != "name"}, **nats_tls()}


def may_manage_streams() -> bool:
    """The admin identity, or no identity at all (a server without them)."""
    return not _current or _current.get("name") == ADMIN.name


def use_seed(user: str, seed: Path | None) -> None:
    """Connect as an outside subscriber (its own seed file and inbox), or, with no seed, as the
    URL says; never as the operator's admin identity (the e-saraban bridge)."""
    _current.clear()
    if seed is not None:
        _current.update(name=user, nkeys_seed=str(seed), inbox_prefix=f"_INBOX_{user}")


def seed_dir_of(data_dir: Path) -> Path:
    return Stack().nats_seeds or data_dir / "nats-identities"
