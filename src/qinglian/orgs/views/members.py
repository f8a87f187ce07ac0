from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from qinglian.core.views import permission_required
from qinglian.orgs.filters import MemberFilterForm
from qinglian.orgs.models import Member


@permission_required("member.view")
def member_list(request):
    root = request.scope
    if root is None:
        raise Http404
    form = MemberFilterForm(request.GET or None)
    members = form.apply(Member.objects.visible_to(request.user).in_subtree(root)).select_related("organisation")
    page = Paginator(members.order_by("name_pinyin", "id"), 50).get_page(request.GET.get("page"))
    template = "orgs/partials/member_rows.html" if request.htmx else "orgs/member_list.html"
    return render(request, template, {"page": page, "form": form, "q": request.GET.get("q", ""), "root": root})
