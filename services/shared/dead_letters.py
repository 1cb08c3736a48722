"""Dead letters and consumer lag, for operators: what was set aside and why, putting it back
once fixed (`telework dlq list|replay`), and how far each consumer is behind (`telework
status`)."""

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.subjects import DEAD_LETTER_ROOT, DEAD_LETTER_STREAM, STREAM_NAME, replay_subject
from services.shared.consumer import CAUSE, CONSUMER, ORIGINAL_SEQUENCE, ORIGINAL_SUBJECT


@dataclass(frozen=True)
class DeadLetter:
    sequence: int  # in the dead-letter stream
    consumer: str
    original_subject: str
    original_sequence: str
    cause: str
    size: int


@dataclass(frozen=True)
class ConsumerLag:
    name: str
    pending: int  # in the stream, not yet delivered
    unacknowledged: int  # delivered, not yet acknowledged (being retried included)
    redelivered: int
    dead_letters: int


def _is_dead_letter(subject: str) -> bool:
    # telework.dlq.<consumer>; replays (telework.dlq.replay.<consumer>) are not dead letters.
    rest = subject.removeprefix(f"{DEAD_LETTER_ROOT}.")
    return rest != subject and "." not in rest


async def dead_letters(js: JetStreamContext, consumer: str | None = None) -> list[DeadLetter]:
    try:
        info = await js.stream_info(DEAD_LETTER_STREAM)
    except NotFoundError:
        return []
    if not info.state.messages:
        return []  # an empty stream reports first_seq 0, which no message has
    out = []
    for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
        try:
            msg = await js.get_msg(DEAD_LETTER_STREAM, seq)
        except NotFoundError:
            continue  # replayed, hence deleted
        if not msg.subject or not _is_dead_letter(msg.subject):
            continue
        headers = msg.headers or {}
        name = headers.get(CONSUMER, msg.subject.rsplit(".", 1)[-1])
        if consumer is not None and name != consumer:
            continue
        out.append(
            DeadLetter(
                sequence=seq,
                consumer=name,
                original_subject=headers.get(ORIGINAL_SUBJECT, ""),
                original_sequence=headers.get(ORIGINAL_SEQUENCE, ""),
                cause=headers.get(CAUSE, ""),
                size=len(msg.data or b""),
            )
        )
    return out


async def replay(js: JetStreamContext, letters: list[DeadLetter]) -> int:
    """Hand each dead letter back to its consumer (which takes it as it takes any event, inbox
    included), then delete it from the dead letters. Returns how many went back."""
    done = 0
    for letter in letters:
        msg = await js.get_msg(DEAD_LETTER_STREAM, letter.sequence)
        await js.publish(
            replay_subject(letter.consumer),
            msg.data or b"",
            stream=DEAD_LETTER_STREAM,
            headers={
                ORIGINAL_SUBJECT: letter.original_subject,
                ORIGINAL_SEQUENCE: letter.original_sequence,
                # A replay interrupted and run again puts each letter back once.
                "Nats-Msg-Id": f"replay-{letter.sequence}",
            },
        )
        await js.delete_msg(DEAD_LETTER_STREAM, letter.sequence)
        done += 1
    return done


async def consumer_lag(js: JetStreamContext) -> list[ConsumerLag]:
    letters: dict[str, int] = {}
    for letter in await dead_letters(js):
        letters[letter.consumer] = letters.get(letter.consumer, 0) + 1
    out = []
    for c in await js.consumers_info(STREAM_NAME):
        name = c.name or ""
        out.append(
            ConsumerLag(
                name=name,
                pending=c.num_pending or 0,
                unacknowledged=c.num_ack_pending or 0,
                redelivered=c.num_redelivered or 0,
                dead_letters=letters.pop(name, 0),
            )
        )
    out += [ConsumerLag(n, 0, 0, 0, k) for n, k in sorted(letters.items())]
    return sorted(out, key=lambda lag: lag.name)
