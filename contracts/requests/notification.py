"""What the notification service answers: each person's own inbox and how they are told."""

from datetime import time
from typing import ClassVar, Generic, Self

from pydantic import AwareDatetime, Field, model_validator

from contracts.requests import Reply, ReplyT, Request


class _NotificationRequest(Request[ReplyT], Generic[ReplyT]):
    service: ClassVar[str] = "notification"


class InboxItem(Reply):
    id: int
    subject: str
    body: str
    created_at: AwareDatetime
    read: bool
    link: str | None = Field(default=None, description="The page the notice is about")


class Inbox(Reply):
    unread: int = Field(description="How many are unread, of all")
    items: list[InboxItem] = Field(description="Newest first")


class Marked(Reply):
    marked: bool = Field(description="False when the item is not in your inbox")


class Preferences(Reply):
    email: bool
    inbox: bool
    daily_digest: bool
    quiet_from: str | None = Field(default=None, description="Your own quiet hours, HH:MM")
    quiet_until: str | None = None


class InboxQuery(_NotificationRequest[Inbox]):
    """Your inbox, newest first, with the unread count."""

    command: ClassVar[str] = "inbox"
    unread_only: bool = False


class MarkRead(_NotificationRequest[Marked]):
    """One item of your inbox read."""

    command: ClassVar[str] = "mark_read"
    item_id: int


class PreferencesQuery(_NotificationRequest[Preferences]):
    """How you are told now."""

    command: ClassVar[str] = "preferences"


class SetPreferences(_NotificationRequest[Preferences]):
    """How you want to be told (at least e-mail or the inbox stays on)."""

    command: ClassVar[str] = "set_preferences"
    email: bool = True
    inbox: bool = True
    daily_digest: bool = False
    # Your own quiet hours (Bangkok): reminders and other notices that can wait are held until
    # they end. Both or neither; none: the platform's 20:00-07:00.
    quiet_from: time | None = None
    quiet_until: time | None = None

    @model_validator(mode="after")
    def _both_ends(self) -> Self:
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValueError("quiet hours need both a start and an end")
        if self.quiet_from is not None and self.quiet_from == self.quiet_until:
            raise ValueError("quiet hours cannot start and end at the same time")
        return self
