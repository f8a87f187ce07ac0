"""Writes to the register: each a keyword-only function that checks, saves and audits in one transaction."""

from qinglian.orgs.services.people import full_pinyin, member_create
from qinglian.orgs.services.roles import role_assign, role_revoke
from qinglian.orgs.services.tree import decode_step, encode_step, initials, org_create, org_move, org_rename

__all__ = [
    "decode_step",
    "encode_step",
    "full_pinyin",
    "initials",
    "member_create",
    "org_create",
    "org_move",
    "org_rename",
    "role_assign",
    "role_revoke",
]
