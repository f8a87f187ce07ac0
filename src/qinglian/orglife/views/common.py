"""What the pages (and the API) of organisational life share: numbers and years read from a request, and
meetings sent as an iCalendar file."""

from __future__ import annotations

from django.http import HttpResponse

from qinglian.orglife.services.meetings import meetings_ics

FIRST_YEAR, LAST_YEAR = 2000, 2100


def int_param(value) -> int | None:
    """A whole number given as a parameter; None for anything else."""
    return int(value) if value and str(value).isdigit() else None


def year_param(value, *, last: int = LAST_YEAR) -> int | None:
    """A year from FIRST_YEAR to `last` given as a parameter; None for anything else."""
    year = int_param(value)
    return year if year is not None and FIRST_YEAR <= year <= last else None


def ics_response(meetings, *, name: str, filename: str, request) -> HttpResponse:
    """The meetings as a calendar file to download, with links back to this site."""
    text = meetings_ics(meetings, name=name, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
