"""The API's sign-in and people: sessions, roles and acting appointments, departures,
eligibility, policies and HR imports."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from contracts.policy import PolicyDocument
from contracts.requests import identity as ask
from contracts.roles import Role
from services.portal.actions import IMPORT_WAIT_S, CrossSite, Portal
from services.portal.web import (
    Authed,
    RequestBody,
    address_of,
    export_text,
    read_upload,
    same_origin,
)


class SignedIn(BaseModel):
    token: str = Field(description="For `Authorization: Bearer`; opaque")
    official_id: str


class SignedOut(BaseModel):
    signed_out: bool


class Departed(ask.Deactivated):
    sessions_ended: int = Field(description="The official's portal sessions ended with it")


class GrantShown(BaseModel):
    role: Role
    agency: str


class Me(BaseModel):
    official_id: str
    grants: list[GrantShown]


def add_routes(api: APIRouter, portal: Portal) -> None:
    class Login(RequestBody):
        email: str = Field(max_length=320)
        password: str = Field(max_length=200)

    @api.post("/login", summary="Sign in (demo mode only: password demo)")
    async def login(body: Login, request: Request) -> SignedIn:
        """A session token for `Authorization: Bearer`: opaque, ended by /api/logout or when
        the official leaves, and carrying no role a revocation would not reach."""
        if not same_origin(request):
            raise CrossSite()
        session, who = await portal.sign_in(body.email, body.password, address_of(request))
        return SignedIn(token=session.session_id, official_id=who["official_id"])

    @api.post("/logout", summary="End this session at once")
    async def api_logout(c: Authed) -> SignedOut:
        if c.session is not None:
            await portal.sessions.close(c.session.session_id)
        return SignedOut(signed_out=True)

    class Grant(RequestBody):
        official_id: str = Field(max_length=64)
        role: Literal[
            "supervisor", "hr_officer", "it_support", "auditor", "system_admin", "head_of_agency"
        ]
        agency_code: str = Field(max_length=64)
        valid_from: datetime | None = None
        valid_to: datetime | None = None

    @api.post("/identity/grants", status_code=201)
    async def grant_role(body: Grant, c: Authed) -> ask.Granted:
        """Grant a role (the head of agency, or the administrator the head appointed; never to
        oneself)."""
        return await portal.ask_for(
            c.token,
            ask.GrantRole,
            body.model_dump(mode="json", exclude_none=True),
            c.lang,
        )

    @api.get("/identity/grants")
    async def list_grants(agency: Annotated[str, Query(max_length=64)], c: Authed) -> ask.GrantRows:
        """The roles granted in an agency and below, in force or to come (the head of agency
        or the administrator)."""
        return await portal.ask_for(c.token, ask.GrantsList, {"agency_code": agency}, c.lang)

    @api.delete("/identity/grants/{grant_id}")
    async def revoke_role(
        grant_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> ask.Revoked:
        return await portal.ask_for(c.token, ask.RevokeRole, {"grant_id": grant_id}, c.lang)

    class Acting(RequestBody):
        official_id: str = Field(max_length=64)
        agency_code: str = Field(max_length=64)
        valid_from: datetime
        valid_to: datetime

    @api.post("/identity/acting-heads", status_code=201)
    async def appoint_acting_head(body: Acting, c: Authed) -> ask.Granted:
        """รักษาราชการแทน for a period: the head of agency's act, never HR's."""
        return await portal.ask_for(
            c.token, ask.AppointActingHead, body.model_dump(mode="json"), c.lang
        )

    @api.post("/identity/acting-heads/{grant_id}/end")
    async def end_acting_head(
        grant_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> ask.TermEnded:
        return await portal.ask_for(c.token, ask.EndActingHead, {"grant_id": grant_id}, c.lang)

    class ActingSupervisor(RequestBody):
        supervisor_id: str = Field(max_length=64, description="The supervisor who is away")
        acting_id: str = Field(max_length=64, description="Who acts for them meanwhile")
        valid_from: datetime
        valid_to: datetime

    @api.post("/identity/acting-supervisors", status_code=201)
    async def appoint_acting_supervisor(body: ActingSupervisor, c: Authed) -> ask.Granted:
        """ปฏิบัติหน้าที่แทน while a supervisor is away (issue #19): appointed by one of the
        absent supervisor's own supervisors or the head; the appointee holds the supervisor's
        powers over their staff for the period."""
        return await portal.ask_for(
            c.token, ask.AppointActingSupervisor, body.model_dump(mode="json"), c.lang
        )

    @api.post("/identity/acting-supervisors/{grant_id}/end")
    async def end_acting_supervisor(
        grant_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> ask.TermEnded:
        """End early: by whoever may appoint, or the supervisor on their return."""
        return await portal.ask_for(
            c.token, ask.EndActingSupervisor, {"grant_id": grant_id}, c.lang
        )

    @api.post("/identity/officials/{official_id}/deactivate")
    async def deactivate(
        official_id: Annotated[str, PathParam(max_length=64)], c: Authed
    ) -> Departed:
        """An official who left: their roles end, and so do their sessions, at once."""
        result = await portal.ask_for(
            c.token, ask.DeactivateOfficial, {"official_id": official_id}, c.lang
        )
        ended = await portal.sessions.close_all_of(official_id)
        return Departed(**result.model_dump(), sessions_ended=ended)

    @api.get("/me")
    async def me(c: Authed) -> Me:
        return Me(
            official_id=c.actor.subject,
            grants=[GrantShown(role=g.role, agency=g.agency) for g in c.actor.grants],
        )

    @api.get("/identity/eligibility")
    async def eligibility(
        agency: Annotated[str, Query(max_length=64)], c: Authed
    ) -> ask.EligibilityRows:
        return await portal.ask_for(c.token, ask.EligibilityList, {"agency_code": agency}, c.lang)

    class PolicyIn(RequestBody):
        agency_code: str = Field(max_length=64)
        document: PolicyDocument

    @api.post("/identity/policies", status_code=201)
    async def publish_policy(body: PolicyIn, c: Authed) -> ask.PolicyPublished:
        return await portal.ask_for(
            c.token, ask.PublishPolicy, body.model_dump(mode="json"), c.lang
        )

    @api.post("/identity/import")
    async def import_hr_file(
        c: Authed, files: list[UploadFile], partial: bool = False, preview: bool = False
    ) -> ask.Imported:
        """The HR export (CSV files, see docs/identity.md); nothing is imported on error
        unless `partial`; `preview` checks every row and counts what would change, and
        changes nothing."""
        texts = {}
        for f in files[:4]:
            texts[f.filename or "file.csv"] = export_text(await read_upload(f), f.filename)
        return await portal.ask_for(
            c.token,
            ask.ImportCsv,
            {"files": texts, "partial": partial, "preview": preview},
            c.lang,
            IMPORT_WAIT_S,
        )
