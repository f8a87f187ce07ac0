"""Writes to organisational life: keyword-only functions that check, save and audit in one transaction."""

from qinglian.orglife.services.meetings import (
    Conflict,
    attendance_record,
    expected_members,
    meeting_recount,
    meeting_schedule,
)

__all__ = ["Conflict", "attendance_record", "expected_members", "meeting_recount", "meeting_schedule"]
