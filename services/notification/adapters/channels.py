"""Delivery channels: e-mail over SMTP, a webhook POST signed with HMAC-SHA256, the inbox."""

import asyncio
import hashlib
import hmac
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage

import httpx


class DeliveryError(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "telework@localhost"
    timeout: float = 10.0


async def send_email(smtp: SmtpSettings, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, to, subject
    msg.set_content(body, charset="utf-8")

    def send() -> None:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as s:
            s.send_message(msg)

    try:
        await asyncio.to_thread(send)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}") from None


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>": the receiver recomputes it and refuses stale
    timestamps, so a captured request cannot be replayed later."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


async def post_webhook(url: str, secret: bytes, body: bytes, timeout: float = 10.0) -> None:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Telework-Timestamp": ts,
        "X-Telework-Signature": f"sha256={signature(secret, ts, body)}",
    }
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            r = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook: {type(exc).__name__}") from None
    if r.status_code >= 300:
        raise DeliveryError(f"webhook: HTTP {r.status_code}")
