"""The portal's own store: the engagements it started, sessions, sign-in failures."""

from sqlalchemy import MetaData

PORTAL = MetaData()
