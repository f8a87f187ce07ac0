"""Committee terms (届) and posts on an organisation's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.orgs import services
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.forms import PostAssignForm, PostEndForm, TermStartForm
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Member, Organisation
from qinglian.orgs.views.tree import _refuse


@permission_required("org.manage")
@require_POST
def term_start(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    form = TermStartForm(request.POST)
    if not form.is_valid():
        return _refuse(request, org, "term_form", form)
    try:
        term = services.term_start(org=org, elected_on=form.cleaned_data["elected_on"], actor=request.user)
    except ValidationError as exc:
        return _refuse(request, org, "term_form", form, exc)
    messages.success(request, _("Term {n} was recorded; it ends on {day}.").format(n=term.number, day=term.ends_on))
    return redirect("orgs:org_detail", pk=org.pk)


@permission_required("org.manage")
@require_POST
def post_assign(request, pk: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    form = PostAssignForm(request.POST)
    if not form.is_valid():
        return _refuse(request, org, "post_form", form)
    term = CommitteeTerm.objects.filter(organisation=org, closed_on__isnull=True).first()
    member = Member.objects.in_subtree(org).filter(pk=form.cleaned_data["member"]).first()
    if term is None or member is None:
        message = _("Record the committee's term first.") if term is None else _("Choose a member from the search.")
        return _refuse(request, org, "post_form", form, ValidationError(message))
    try:
        services.post_assign(
            term=term,
            member=member,
            post=form.cleaned_data["post"],
            starts_on=form.cleaned_data["starts_on"],
            actor=request.user,
        )
    except ValidationError as exc:
        return _refuse(request, org, "post_form", form, exc)
    messages.success(request, _("{name} now holds the post.").format(name=member.name))
    return redirect("orgs:org_detail", pk=org.pk)


@permission_required("org.manage")
@require_POST
def post_end(request, pk: int):
    seat = get_visible_or_404(
        CommitteePost.objects.select_related("term__organisation", "member"), request.user, "org.manage", pk=pk
    )
    form = PostEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day the post ends."))
        return redirect("orgs:org_detail", pk=seat.term.organisation_id)
    try:
        services.post_end(seat=seat, ends_on=form.cleaned_data["ends_on"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("{name}'s post was ended.").format(name=seat.member.name))
    return redirect("orgs:org_detail", pk=seat.term.organisation_id)


@permission_required("org.manage")
def member_pick(request, pk: int):
    """Search results for the post form: members of the organisation's subtree, as radio buttons (htmx)."""
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=pk)
    q = request.GET.get("q", "").strip()
    options = []
    if q:
        options = (
            Member.objects.in_subtree(org)
            .on_register()
            .filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
            .select_related("organisation")
            .order_by("name_pinyin")[:20]
        )
    return render(request, "orgs/partials/member_pick.html", {"options": options, "q": q})
