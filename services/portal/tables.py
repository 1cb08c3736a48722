"""The portal's own store: the engagements it started, its read model of every engagement,
batch orders, documents as issued, sessions, sign-in failures; and its event log."""

from sqlalchemy import Column, Date, Integer, LargeBinary, MetaData, String, Table, Text

from services.shared.db import AwareDateTime
from services.shared.eventlog import EventLog

PORTAL = MetaData()

started = Table(
    "portal_engagements",
    PORTAL,
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("agency", String(64), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
)
# Which engagements one batch order covers (R-ORD-2): its document is one order with the list
# of officials annexed (issue #17).
batch_orders = Table(
    "portal_batch_orders",
    PORTAL,
    Column("order_number", String(40), primary_key=True),
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False),
)
# Documents as issued, immutable: the same bytes every time they are fetched, their hash in a
# document_issued event and so in the audit chain (issue #17).
documents = Table(
    "portal_documents",
    PORTAL,
    Column("document_id", String(150), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("engagement_id", String(100), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("pdf", LargeBinary, nullable=False),
    Column("issued_at", AwareDateTime, nullable=False),
)
# The read model the pages read (issue #16, item 6), fed by the engagement events: each case's
# summary as history folds it (services/portal/read_model.py), and the events it was folded
# from, so the next one is folded onto them.
cases = Table(
    "portal_cases",
    PORTAL,
    Column("engagement_id", String(100), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("agency", String(64), nullable=False, index=True),
    Column("state", String(30), nullable=False),
    Column("events", Integer, nullable=False),  # how many of the case's events it folds
    Column("summary", Text, nullable=False),  # the Summary, as JSON
    Column("created_at", AwareDateTime, nullable=False, index=True),
    Column("updated_at", AwareDateTime, nullable=False),
)
case_events = Table(
    "portal_case_events",
    PORTAL,
    Column("engagement_id", String(100), primary_key=True),
    Column("seq", Integer, primary_key=True),  # the workflow's step number
    Column("type", String(120), nullable=False),
    Column("data", Text, nullable=False),
    Column("recorded_on", Date, nullable=False),  # Bangkok's day
)
LOG = EventLog("/telework/portal")
