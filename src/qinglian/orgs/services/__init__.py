"""Writes to the register: each a keyword-only function that checks, saves and audits in one transaction."""

from qinglian.orgs.services.committees import post_assign, post_end, term_end, term_start
from qinglian.orgs.services.departments import (
    department_activate,
    department_create,
    department_deactivate,
    department_update,
)
from qinglian.orgs.services.people import full_pinyin, member_create
from qinglian.orgs.services.roles import role_assign, role_revoke
from qinglian.orgs.services.tree import (
    decode_step,
    encode_step,
    initials,
    org_create,
    org_dissolve,
    org_merge,
    org_move,
    org_rename,
    org_update,
)

__all__ = [
    "decode_step",
    "department_activate",
    "department_create",
    "department_deactivate",
    "department_update",
    "encode_step",
    "full_pinyin",
    "initials",
    "member_create",
    "org_create",
    "org_dissolve",
    "org_merge",
    "org_move",
    "org_rename",
    "org_update",
    "post_assign",
    "post_end",
    "role_assign",
    "role_revoke",
    "term_end",
    "term_start",
]
