"""The platform's side, as the bridge sees it: the portal's API with the bridge's own service
token (`telework token issue --service esaraban`)."""

from dataclasses import dataclass

import httpx


class PortalAway(Exception):
    """The portal did not answer (or said it is away): try the event again later."""


class NoDocument(Exception):
    """The portal says there is no such document for the event (4xx): nothing to send."""


@dataclass(frozen=True)
class Portal:
    url: str
    token: str
    timeout_s: float = 60.0

    async def document(self, engagement_id: str, kind: str) -> bytes:
        """The signed PDF; the portal issues it on first request."""
        path = f"/api/engagements/{engagement_id}/{kind}.pdf"
        answer = await self._call("GET", path)
        return answer.content

    async def report(
        self,
        document_id: str,
        letter_id: str,
        status: str,
        accept_id: str | None = None,
        reason: str = "",
    ) -> None:
        await self._call(
            "POST",
            f"/api/documents/{document_id}/correspondence",
            json={
                "letter_id": letter_id,
                "status": status,
                "accept_id": accept_id,
                "reason": reason[:500],
            },
        )

    async def _call(
        self, method: str, path: str, json: dict[str, object] | None = None
    ) -> httpx.Response:
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=self.timeout_s) as http:
                answer = await http.request(
                    method, path, headers={"Authorization": f"Bearer {self.token}"}, json=json
                )
        except httpx.HTTPError as exc:
            raise PortalAway(f"{type(exc).__name__}: {exc}") from None
        if answer.status_code >= 500 or answer.status_code in (401, 429):
            # 401: a token that expired meanwhile is renewed by the operator; keep the event.
            raise PortalAway(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise NoDocument(f"HTTP {answer.status_code}: {answer.text[:200]}")
        return answer
