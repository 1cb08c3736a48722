"""Reading back what reached JetStream, for assertions."""

from collections import Counter, defaultdict

import nats
from nats.errors import TimeoutError as NatsTimeout

from contracts.envelope import CloudEvent
from contracts.subjects import STREAM_NAME, agency_subjects


async def read_agency(url: str, agency: str, idle: float = 1.0) -> list[CloudEvent]:
    """Every event JetStream holds for `agency`, in stream order."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(agency_subjects(agency), stream=STREAM_NAME, ordered_consumer=True)
        events = []
        while True:
            try:
                msg = await sub.next_msg(timeout=idle)
            except (TimeoutError, NatsTimeout):
                break
            events.append(CloudEvent.from_json_bytes(msg.data))
        await sub.unsubscribe()
        return events
    finally:
        await nc.close()


def assert_exactly_once_in_stream_order(events: list[CloudEvent], expected_ids: list[str]) -> None:
    counts = Counter(e.id for e in events)
    duplicates = [i for i, n in counts.items() if n > 1]
    assert not duplicates, f"{len(duplicates)} events arrived more than once"
    missing = set(expected_ids) - set(counts)
    assert not missing, f"{len(missing)} events never arrived"
    assert len(events) == len(expected_ids)
    order = {eid: n for n, eid in enumerate(expected_ids)}
    by_stream: dict[str | None, list[int]] = defaultdict(list)
    for e in events:
        by_stream[e.subject].append(order[e.id])
    for subject, seq in by_stream.items():
        assert seq == sorted(seq), f"events of {subject} arrived out of order"
