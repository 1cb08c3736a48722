"""Use cases of the identity service: roles, acting heads, policies, supervisors, and the
queries other services ask. Every command is authorized by `can` and writes its events in the
same transaction as its change."""

from contracts.requests import identity as c
from services.identity.service_layer.access import LOG, not_found
from services.identity.service_layer.duties import Duties
from services.identity.service_layer.queries import Queries
from services.shared import rpc

__all__ = ["LOG", "IdentityService", "not_found", "routes"]


class IdentityService(Duties, Queries):
    """The identity service's use cases: its duties and its answers."""


def routes(service: IdentityService) -> list[rpc.Route]:
    """Every request identity answers, each from its contract (contracts/requests/identity.py)."""
    return [
        rpc.route(c.GrantRole, service.grant_role),
        rpc.route(c.RevokeRole, service.revoke_role),
        rpc.route(c.AppointActingHead, service.appoint_acting_head),
        rpc.route(c.EndActingHead, service.end_acting_head),
        rpc.route(c.AppointActingSupervisor, service.appoint_acting_supervisor),
        rpc.route(c.EndActingSupervisor, service.end_acting_supervisor),
        rpc.route(c.ActingQuery, service.acting_supervisor),
        rpc.route(c.AssignableQuery, service.assignable),
        rpc.route(c.AgencyPathQuery, service.agency_path),
        rpc.route(c.DeactivateOfficial, service.deactivate_official),
        rpc.route(c.ActorById, service.actor_by_id),
        rpc.route(c.PublishPolicy, service.publish_policy),
        rpc.route(c.AssignSupervisor, service.assign_supervisor),
        rpc.route(c.SupervisorChain, service.supervisor_chain),
        rpc.route(c.SupervisorChains, service.supervisor_chains),
        rpc.route(c.HeadOfAgency, service.head_of_agency),
        rpc.route(c.EligibilityQuery, service.eligibility),
        rpc.route(c.PolicyInForceQuery, service.policy_in_force),
        rpc.route(c.ContactQuery, service.contact),
        rpc.route(c.DocumentNamesQuery, service.document_names),
        rpc.route(c.EmailQuery, service.actor_by_email),
        rpc.route(c.EligibilityList, service.eligibility_list),
        rpc.route(c.GrantsList, service.grants_list),
        rpc.route(c.ImportCsv, service.import_csv),
        rpc.route(c.RoleQuery, service.role_holders),
    ]
