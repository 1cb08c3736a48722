"""JetStream streams the platform relies on, declared once."""

import logging
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from contracts.subjects import DEAD_LETTER_ROOT, DEAD_LETTER_STREAM, STREAM_NAME, STREAM_SUBJECTS
from infra.nats import identities
from services.shared.settings import Stack

# Relay retries after an outage re-send events JetStream may already hold; within this window
# the server drops them by Nats-Msg-Id. Consumers' inboxes cover anything older.
DUPLICATE_WINDOW_S = 3600.0


def stream_replicas() -> int:
    """Copies of each stream: 3 on a production cluster (a majority acknowledges every event,
    so one server may die with nothing lost), 1 on a single server."""
    return Stack().stream_replicas


def telework_stream() -> StreamConfig:
    return StreamConfig(
        name=STREAM_NAME,
        subjects=[STREAM_SUBJECTS],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_S,
        num_replicas=stream_replicas(),
    )


def dead_letter_stream() -> StreamConfig:
    return StreamConfig(
        name=DEAD_LETTER_STREAM,
        subjects=[f"{DEAD_LETTER_ROOT}.>"],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        num_replicas=stream_replicas(),
    )


class StreamsMissing(RuntimeError):
    """The streams are not there and this identity may not create them."""


async def ensure_streams(js: JetStreamContext) -> None:
    """Create or update the streams when this process may manage them (the admin identity, or
    a server without identities, as in tests); otherwise only check that they exist: a
    service's identity may not touch the stream-management API (issue #13)."""
    from infra.nats.identities import may_manage_streams

    manage = may_manage_streams()
    for config in (telework_stream(), dead_letter_stream()):
        try:
            await js.stream_info(config.name or "")
            if manage:
                await js.update_stream(config)
        except NotFoundError:
            if not manage:
                raise StreamsMissing(
                    f"stream {config.name} does not exist; an operator creates it with "
                    "`telework nats setup`"
                ) from None
            await js.add_stream(config)


async def connect(url: str, name: str, *, for_requests: bool = False, **kwargs: Any) -> Client:
    """A connection that keeps trying to reconnect for as long as the process lives, and logs
    one line per change of state (not a traceback every attempt, issue #21 item 10).

    `for_requests`: nothing is buffered while NATS is away. A request the caller has given up
    on must fail now, not be sent when the connection is back (issue #21, item 2)."""
    log = logging.getLogger(f"nats.{name}")
    state: dict[str, Any] = {"error": ""}

    async def on_error(exc: Exception) -> None:
        said = f"{type(exc).__name__}: {exc}"[:200]
        if said != state["error"]:
            state["error"] = said
            log.warning("NATS connection trouble (%s); reconnecting", said)

    async def on_disconnected() -> None:
        # nats-py calls this on our own close() too: a CLI command that is done, a service
        # draining. Only a connection lost while in use is worth a warning.
        client = state.get("client")
        if isinstance(client, Client) and client.is_closed:
            log.debug("NATS connection closed")
            return
        log.warning("NATS disconnected")

    async def on_reconnected() -> None:
        state["error"] = ""
        log.info("NATS reconnected")

    options: dict[str, Any] = {
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "error_cb": on_error,
        "disconnected_cb": on_disconnected,
        "reconnected_cb": on_reconnected,
    }
    if for_requests:
        options["pending_size"] = 0
    options.update(identities.connection_options())  # this process's NATS identity, if any
    options.update(kwargs)
    # `NATS_URL` may name every server of a cluster, comma-separated: the client starts from
    # whichever answers and learns the rest from the cluster.
    servers = [u.strip() for u in url.split(",") if u.strip()]
    state["client"] = client = await nats.connect(servers, name=name, **options)
    return client
