"""My rectification: the items a member is responsible for, whatever their roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from qinglian.core.paging import id_page
from qinglian.rectification.services.items import in_work_order, items_owned, member_of
from qinglian.rectification.vocab import ItemStatus

PAGE_SIZE = 30


@login_required
def my_items(request):
    """The items I own: being rectified first (soonest deadline first), then those awaiting verification,
    then those closed."""
    me = member_of(request.user)
    today = timezone.localdate()
    owned = items_owned(me)
    items = in_work_order(owned.select_related("organisation", "member"))
    page = id_page(items, per_page=PAGE_SIZE, number=request.GET.get("page"))
    counts = owned.aggregate(
        open=Count("pk", filter=Q(status=ItemStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=ItemStatus.OPEN, due_on__lt=today)),
        submitted=Count("pk", filter=Q(status=ItemStatus.SUBMITTED)),
        closed=Count("pk", filter=Q(status=ItemStatus.CLOSED)),
    )
    return render(request, "rectification/item_mine.html", {"me": me, "page": page, "counts": counts, "today": today})


urls = [path("mine/", my_items, name="my_items")]
