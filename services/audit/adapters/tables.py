"""The audit store: the chain, its signed checkpoints and the signing key's rotations."""

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table

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
    # Bytes, not text: the verifier hashes exactly what is stored, with no decoding on the way
    # (hex and text conversions were a third of PostgreSQL's verify time).
    Column("canonical", LargeBinary, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    Column("prev_hash", LargeBinary(32), nullable=False),
)
# Each link next to its position, so PostgreSQL checks that every record follows the one
# before it from this index alone, while it hashes the contents from the table in parallel.
Index("audit_chain_links", chain.c.position, postgresql_include=["hash", "prev_hash"]).ddl_if(
    dialect="postgresql"
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

# Each hand-over of the signing key (R-SEC-5): the old key's last checkpoint position, both
# public keys, and the statement signed by both keys. Verifiers follow these from the key the
# chain began with to the key in use, so a rotation is provable and a re-signing is not.
key_rotations = Table(
    "audit_key_rotations",
    AUDIT,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("position", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("old_public", String(64), nullable=False),
    Column("new_public", String(64), nullable=False),
    Column("rotated_at", AwareDateTime, nullable=False),
    Column("old_signature", String(128), nullable=False),
    Column("new_signature", String(128), nullable=False),
)
