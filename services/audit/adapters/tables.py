"""The audit store: the chain and its signed checkpoints."""

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text

from services.shared.db import AwareDateTime

AUDIT = MetaData()

chain = Table(
    "audit_chain",
    AUDIT,
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("type", String(200), nullable=False),
    Column("agency", String(64), nullable=False, index=True),
    Column("subject", String(300), nullable=True, index=True),
    Column("official_id", String(64), nullable=True, index=True),
    Column("time", AwareDateTime, nullable=False, index=True),
    Column("canonical", Text, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
)

checkpoints = Table(
    "audit_checkpoints",
    AUDIT,
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("hash", String(64), nullable=False),
    Column("signed_at", AwareDateTime, nullable=False),
    Column("signature", String(128), nullable=False),
)
