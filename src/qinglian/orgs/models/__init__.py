"""The register: organisations, departments, committees, roles, members, transfers, imports."""

from qinglian.orgs.models.imports import RosterImport
from qinglian.orgs.models.people import Member, MemberQuerySet, MemberStatusChange
from qinglian.orgs.models.roles import Role, RoleAssignment, RoleAssignmentQuerySet
from qinglian.orgs.models.transfers import Transfer
from qinglian.orgs.models.tree import (
    ALLOWED_PARENTS,
    PATH_END,
    STEP,
    CommitteePost,
    CommitteeTerm,
    Department,
    Organisation,
    OrganisationQuerySet,
    ancestor_paths,
    subtree_q,
    topmost,
)

__all__ = [
    "ALLOWED_PARENTS",
    "PATH_END",
    "STEP",
    "CommitteePost",
    "CommitteeTerm",
    "Department",
    "Member",
    "MemberQuerySet",
    "MemberStatusChange",
    "Organisation",
    "OrganisationQuerySet",
    "Role",
    "RoleAssignment",
    "RoleAssignmentQuerySet",
    "RosterImport",
    "Transfer",
    "ancestor_paths",
    "subtree_q",
    "topmost",
]
