"""The bridge's JetStream side: one durable consumer per agency (`<name>-<agency>`, as
`telework nats subscriber add` names them), each forced to `telework.v1.<agency>.>`; an event is
acknowledged once its letter is sent and reported, or dead-lettered, and delivered again later
while the platform is away."""

import asyncio
import json
import logging

from nats.aio.client import Client as Nats
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from nats.js.errors import Error as JetStreamError

from contracts.subjects import CONTRACT_VERSION, STREAM_NAME, SUBJECT_ROOT
from services.esaraban.adapters.portal import NoDocument, PortalAway
from services.esaraban.service_layer.bridge import Bridge

log = logging.getLogger(__name__)
RETRY_S = 5.0


def durable_name(name: str, agency: str) -> str:
    return f"{name}-{agency.replace('.', '_')}"


async def bind(nc: Nats, name: str, agencies: list[str]) -> list[JetStreamContext.PullSubscription]:
    """The durables to read from; made when missing (a site whose operator made them with
    `telework nats subscriber add` only binds)."""
    js = nc.jetstream()
    subs = []
    for agency in agencies:
        durable = durable_name(name, agency)
        try:
            await js.consumer_info(STREAM_NAME, durable)
        except JetStreamError:
            await js.add_consumer(
                STREAM_NAME,
                ConsumerConfig(
                    name=durable,
                    durable_name=durable,
                    filter_subject=f"{SUBJECT_ROOT}.{CONTRACT_VERSION}.{agency}.>",
                    ack_policy=AckPolicy.EXPLICIT,
                    deliver_policy=DeliverPolicy.ALL,
                    max_deliver=-1,  # the platform being away is never a reason to give up
                ),
            )
        subs.append(await js.pull_subscribe_bind(durable, STREAM_NAME))
    return subs


async def run(
    nc: Nats, name: str, agencies: list[str], bridge: Bridge, stop: asyncio.Event
) -> None:
    subs = await bind(nc, name, agencies)
    while not stop.is_set():
        for sub in subs:
            try:
                messages = await sub.fetch(20, timeout=1)
            except (TimeoutError, NatsTimeout):  # nats-py raises either when nothing came
                continue
            except (NatsError, OSError) as exc:
                # NATS away: the connection comes back by itself; the events wait on the server.
                log.warning("NATS away (%s); waiting", type(exc).__name__)
                await asyncio.sleep(RETRY_S)
                continue
            for msg in messages:
                try:
                    event = json.loads(msg.data)
                    outcome = await bridge.handle(event)
                except PortalAway as exc:
                    log.warning("platform away (%s): event delivered again later", exc)
                    await msg.nak(delay=RETRY_S)
                    continue
                except (NoDocument, KeyError, ValueError) as exc:
                    # Nothing can ever be sent for it: say so once and move on.
                    log.error("event %s not bridged: %s", msg.metadata.sequence.stream, exc)
                    outcome = "not_bridged"
                await msg.ack()
                if outcome not in ("ignored", "already"):
                    log.info("letter %s", outcome)
