"""Writes to the register: each a keyword-only function that checks, saves and audits in one transaction."""

from qinglian.orgs.services.committees import post_assign, post_end, term_end, term_start
from qinglian.orgs.services.departments import (
    department_activate,
    department_create,
    department_deactivate,
    department_update,
)
from qinglian.orgs.services.people import (
    Conflict,
    full_pinyin,
    member_change_status,
    member_create,
    member_create_login,
    member_reveal_id_number,
    member_set_id_number,
    member_update,
    members_rekey,
)
from qinglian.orgs.services.probation import (
    member_cancel_probation,
    member_confirm_full,
    member_extend_probation,
    probation_dates,
)
from qinglian.orgs.services.roles import role_assign, role_revoke
from qinglian.orgs.services.transfers import transfer_request, transfer_transition
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
    "Conflict",
    "decode_step",
    "department_activate",
    "department_create",
    "department_deactivate",
    "department_update",
    "encode_step",
    "full_pinyin",
    "initials",
    "member_cancel_probation",
    "member_change_status",
    "member_confirm_full",
    "member_create",
    "member_create_login",
    "member_extend_probation",
    "member_reveal_id_number",
    "member_set_id_number",
    "member_update",
    "members_rekey",
    "org_create",
    "org_dissolve",
    "org_merge",
    "org_move",
    "org_rename",
    "org_update",
    "post_assign",
    "post_end",
    "probation_dates",
    "role_assign",
    "role_revoke",
    "term_end",
    "term_start",
    "transfer_request",
    "transfer_transition",
]
