"""What the user is told when the portal refuses: an HTTP status and a reason in Thai and
English; a backend that is away is a 503 with Retry-After, never a 401, 409 or bare 500."""

from temporalio.service import RPCError, RPCStatusCode

from services.portal.deps import BackendError


class Refused(Exception):
    """A refusal the caller sees, with its HTTP status and reason."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class CrossSite(Refused):
    """A cookie-borne change that did not come from one of our pages (CSRF)."""

    def __init__(self) -> None:
        super().__init__(403, "คำขอไม่ได้มาจากหน้าของระบบ / cross-site request refused")


# An HR export of a whole ministry is checked and applied in one request: it may take minutes.
IMPORT_WAIT_S = 300.0

# How long the portal waits on the engagement worker before telling the user (issue #21).
TEMPORAL_WAIT_S = 20.0
RETRY_AFTER_S = 10


def backend_away(what: str) -> Refused:
    """503 with a Thai reason and Retry-After: a backend is away, nothing is wrong with the
    request (never a 401, 409 or bare 500 for it)."""
    return Refused(
        503,
        f"ระบบ{what}ไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่ภายหลัง / "
        f"the {what} service is temporarily unavailable; please try again shortly",
        retry_after=RETRY_AFTER_S,
    )


def temporal_refusal(exc: RPCError) -> Refused:
    """What Temporal's answer means for the user."""
    if exc.status in (RPCStatusCode.NOT_FOUND,):
        return Refused(404, f"ไม่พบเรื่อง / no such engagement: {exc.message}")
    if "Workflow Task in failed state" in exc.message:
        # The worker is behind (a task timed out) or restarting: nothing wrong with the request.
        return backend_away("งานเรื่อง (engagement)")
    if exc.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.FAILED_PRECONDITION):
        return Refused(409, exc.message)
    return backend_away("งานเรื่อง (engagement)")


def refusal(exc: BackendError) -> Refused:
    if exc.code in ("unavailable", "expired"):
        return Refused(503, exc.reason, retry_after=RETRY_AFTER_S)
    status = {
        "forbidden": 403,
        "not_found": 404,
        "invalid": 422,
        "unauthenticated": 401,
        "internal": 502,
        "too_large": 413,
    }.get(exc.code, 409)
    return Refused(status, exc.reason)
