"""Who takes an engagement step, proven rather than claimed (issue #13, R-SEC).

Whoever can reach Temporal can send an update; the payload's `by` field is only a claim. The
caller's signed token travels in a Temporal header (`telework-actor`), added by a client
interceptor from `acting_as(token)`. On the worker:

- an update's validator first verifies the token (signature, expiry, audience) and refuses the
  update, leaving the history clean, when it is missing, forged, expired, or names someone other
  than `by`;
- the update's handler then takes the actor from the header, never from the payload. Validators
  do not run on replay, and the header is part of the history, so replay reads the same subject
  without re-checking a token that has long expired;
- a workflow start does the same with `started_by`: a start without a valid token fails at once,
  before the engagement does anything. A child workflow (an engagement started by a bulk
  assignment) has no token of its own: only a workflow can start a child, and the assignment
  workflow that did was itself proven when it started.

Histories recorded before this existed carry no header; replaying them keeps their payloads.
"""

import base64
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.client import OutboundInterceptor, StartWorkflowInput, StartWorkflowUpdateInput
from temporalio.converter import default
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from services.shared.auth import AuthError, TokenVerifier

HEADER = "telework-actor"
_acting: ContextVar[str | None] = ContextVar("telework_acting_token", default=None)


@contextmanager
def acting_as(token: str) -> Iterator[None]:
    """Engagement calls made inside carry `token` as the proof of who acts."""
    reset = _acting.set(token)
    try:
        yield
    finally:
        _acting.reset(reset)


def _with_token(headers: Mapping[str, Payload]) -> Mapping[str, Payload]:
    token = _acting.get()
    if token is None:
        return headers
    return {**headers, HEADER: default().payload_converter.to_payloads([token])[0]}


class _Outbound(OutboundInterceptor):
    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        input.headers = _with_token(input.headers)
        return await super().start_workflow(input)

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> Any:
        input.headers = _with_token(input.headers)
        return await super().start_workflow_update(input)


class ActorToken(ClientInterceptor):
    """Client side: attach the token of `acting_as` to starts and updates."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Outbound(next)


def _token(headers: Mapping[str, Payload]) -> str | None:
    payload = headers.get(HEADER)
    if payload is None:
        return None
    value = default().payload_converter.from_payloads([payload])[0]
    return value if isinstance(value, str) else None


def _subject(token: str) -> str:
    """The token's subject, read without checking it: for replay, where the check was made
    when the step was first accepted."""
    body = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return str(claims["sub"])


def refuse(reason: str) -> ApplicationError:
    return ApplicationError(f"Refused: {reason}", type="Refused", non_retryable=True)


def _claimed(args: Any) -> Any:
    """The step's argument when it names an actor (`by`), else None (e.g. `settled`)."""
    first = args[0] if args else None
    return first if hasattr(first, "by") else None


class ActorProof(Interceptor):
    """Worker side: refuse steps whose actor is not proven; act as the proven actor."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        verifier = self._verifier

        def proven(token: str | None, claimed: str) -> str:
            if token is None:
                raise refuse("no proof of who is acting (a signed token is required)")
            # Validators and first executions only: the wall clock and the key are fine here.
            # Any import the verification makes (PyJWT loads its algorithms lazily) must be the
            # process's own module: a native module loaded twice aborts the interpreter.
            with workflow.unsafe.sandbox_unrestricted(), workflow.unsafe.imports_passed_through():
                try:
                    actor = verifier.verify(token)
                except AuthError as exc:
                    raise refuse(f"unauthenticated: {exc}") from None
            if actor.subject != claimed:
                raise refuse(f"the token is {actor.subject}'s, not {claimed}'s")
            return actor.subject

        class Inbound(WorkflowInboundInterceptor):
            def handle_update_validator(self, input: HandleUpdateInput) -> None:
                step = _claimed(input.args)
                if step is not None:
                    proven(_token(input.headers), step.by)
                super().handle_update_validator(input)

            async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
                step = _claimed(input.args)
                token = _token(input.headers)
                if step is not None and token is not None:
                    input.args = [step.model_copy(update={"by": _subject(token)}), *input.args[1:]]
                elif step is not None and not workflow.unsafe.is_replaying():
                    raise refuse("no proof of who is acting (a signed token is required)")
                return await super().handle_update_handler(input)

            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                start: Any = input.args[0] if input.args else None
                token = _token(input.headers)
                if hasattr(start, "started_by"):
                    if token is None and workflow.info().parent is not None:
                        # A child workflow is started by a workflow on these workers, never by
                        # a client; its parent was proven when it started (bulk assignment).
                        subject = start.started_by
                    elif token is not None and workflow.unsafe.is_replaying():
                        subject = _subject(token)
                    elif token is None and workflow.unsafe.is_replaying():
                        subject = start.started_by  # recorded before proofs existed
                    else:
                        subject = proven(token, start.started_by)
                    input.args = [start.model_copy(update={"started_by": subject})]
                return await super().execute_workflow(input)

        return Inbound
