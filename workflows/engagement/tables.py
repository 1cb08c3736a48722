"""The engagement service's own tables: order numbers and the engagements read model."""

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

from services.shared.db import AwareDateTime

ENGAGEMENT = MetaData()

order_counters = Table(
    "order_counters",
    ENGAGEMENT,
    Column("head_agency", String(64), primary_key=True),
    Column("be_year", Integer, primary_key=True),
    Column("last_number", Integer, nullable=False),
)

# One number per key (a batch, or one engagement), so a retried activity or every engagement of
# a batch order gets the same number.
order_numbers = Table(
    "order_numbers",
    ENGAGEMENT,
    Column("key", String(100), primary_key=True),
    Column("head_agency", String(64), nullable=False),
    Column("order_number", String(40), nullable=False),
    Column("order_date", Date, nullable=False),
)

engagements = Table(
    "engagements",
    ENGAGEMENT,
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("agency", String(64), nullable=False, index=True),
    Column("state", String(30), nullable=False),
    Column("last_event", String(100), nullable=False),
    Column("updated_at", AwareDateTime, nullable=False),
)
