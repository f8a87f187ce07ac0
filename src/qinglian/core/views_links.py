"""The record search behind the evidence forms' record picker (core.links)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from qinglian.core.links import record_search
from qinglian.core.registry import registry

LIMIT = 20


def _param(request, name: str) -> str:
    """A form field's value whatever prefix the evidence form was given ("record_kind", "ev-record_kind")."""
    for key, value in request.GET.items():
        if key == name or key.endswith(f"-{name}"):
            return value
    return ""


@login_required
def record_pick(request):
    """Radio buttons for the records of one kind the user may see whose title matches the text (htmx)."""
    key = request.GET.get("kind") or _param(request, "record_kind")
    q = (request.GET.get("q") or _param(request, "record_q")).strip()[:60]
    if key and key not in registry.record_kinds:
        raise Http404
    options = record_search(request.user, key, q, LIMIT) if key else []
    context = {
        "options": options,
        "q": q,
        "kind": key,
        "field": request.GET.get("field", "record_id")[:80],
        "box": request.GET.get("box", "evidence")[:40],
        "limit": LIMIT,
    }
    return render(request, "core/partials/record_options.html", context)


urls = [path("records/pick/", record_pick, name="record_pick")]
