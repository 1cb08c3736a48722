"""The notification service's own tables."""

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text, UniqueConstraint

from services.shared.db import AwareDateTime, Position

NOTIFICATION = MetaData()

preferences = Table(
    "notification_preferences",
    NOTIFICATION,
    Column("official_id", String(64), primary_key=True),
    Column("email", Boolean, nullable=False, default=True),
    Column("inbox", Boolean, nullable=False, default=True),
    Column("webhook_url", String(500), nullable=True),
    Column("daily_digest", Boolean, nullable=False, default=False),
    # The person's own quiet hours ("HH:MM", Bangkok; issue #16), else the platform's 20:00-07:00.
    Column("quiet_from", String(5), nullable=True),
    Column("quiet_until", String(5), nullable=True),
)

# One row per (event, recipient, channel): the unique key is what makes a redelivered event
# never notify twice.
deliveries = Table(
    "notification_deliveries",
    NOTIFICATION,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False),
    Column("recipient_id", String(64), nullable=False, index=True),
    Column("channel", String(10), nullable=False),
    Column("address", String(500), nullable=True),
    Column("rule", String(100), nullable=False),
    Column("agency", String(64), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=True),  # the document it is about (issue #17)
    Column("status", String(10), nullable=False, index=True),  # pending|held|sent|failed|digested
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", AwareDateTime, nullable=False, index=True),
    Column("last_error", String(1000), nullable=True),
    Column("sent_at", AwareDateTime, nullable=True),
    UniqueConstraint("event_id", "recipient_id", "channel", name="uq_delivery_once"),
)

inbox_items = Table(
    "notification_inbox",
    NOTIFICATION,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("recipient_id", String(64), nullable=False, index=True),
    Column("delivery_id", Integer, nullable=False, unique=True),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("read_at", AwareDateTime, nullable=True),
    Column("link", String(300), nullable=True),  # the document it is about (issue #17)
)
