"""What the notification service answers: each person's own inbox and how they are told."""

from typing import Any, ClassVar

from contracts.requests import Request


class _NotificationRequest(Request[dict[str, Any]]):
    service: ClassVar[str] = "notification"


class InboxQuery(_NotificationRequest):
    """Your inbox, newest first, with the unread count."""

    command: ClassVar[str] = "inbox"
    unread_only: bool = False


class MarkRead(_NotificationRequest):
    """One item of your inbox read."""

    command: ClassVar[str] = "mark_read"
    item_id: int


class PreferencesQuery(_NotificationRequest):
    """How you are told now."""

    command: ClassVar[str] = "preferences"


class SetPreferences(_NotificationRequest):
    """How you want to be told (at least e-mail or the inbox stays on)."""

    command: ClassVar[str] = "set_preferences"
    email: bool = True
    inbox: bool = True
    daily_digest: bool = False
