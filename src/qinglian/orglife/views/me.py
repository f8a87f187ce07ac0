"""The member's own page: my meetings, replies and leave, my appraisal steps, my talks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from qinglian.orglife.overview import member_overview


@login_required
def me(request):
    member = getattr(request.user, "member", None)
    overview = member_overview(member) if member is not None else None
    return render(request, "orglife/me.html", {"member": member, "o": overview, "today": timezone.localdate()})


urls = [path("me/", me, name="me")]
