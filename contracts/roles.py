"""The roles a person or a service may hold in an agency (R-SEC-1): part of the contracts,
because grants are asked for and named in requests and events between services."""

from enum import StrEnum


class Role(StrEnum):
    OFFICIAL = "official"
    SUPERVISOR = "supervisor"
    HEAD_OF_AGENCY = "head_of_agency"
    HR_OFFICER = "hr_officer"
    IT_SUPPORT = "it_support"
    AUDITOR = "auditor"
    SYSTEM_ADMIN = "system_admin"
    SERVICE = "service"  # another service of the platform, asking on behalf of a user
