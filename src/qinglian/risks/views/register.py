"""The risk register's pages: the register of a round with its filters and export, recording and changing a
risk point with its measures, its page with the workflow's buttons, periodic reviews and incidents, the posts
of the units, and "My risk points" for every member.

The register and the posts need risks.view; a point's own page is also open to whoever recorded or proposed
it and to the holders of its post, and "My risk points" to any login.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.links import records_resolve
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.reports.xlsx import xlsx_response
from qinglian.risks.forms.register import (
    IncidentForm,
    PointEditForm,
    PointForm,
    PostCreateForm,
    PostForm,
    ReviewForm,
    TransitionForm,
    initial_from_post,
    measure_formset,
    measures_initial,
)
from qinglian.risks.models import Post, RiskPoint
from qinglian.risks.services import follow_up, levels, workflow
from qinglian.risks.services import register as services
from qinglian.risks.services.register_export import INLINE_MAX, register_export, register_job_start
from qinglian.risks.vocab import Level, PointStatus, Process

VIEW, REVIEW, MANAGE = services.VIEW, services.REVIEW, services.MANAGE
PAGE_SIZE = 30
UNITS_MAX = 300


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _scope(request) -> Organisation | None:
    scope = request.scope
    return scope if scope else None


def _managed_units(user, root: Organisation | None):
    """The active units of the scope where the user reviews or manages risk points."""
    if root is None:
        return Organisation.objects.none()
    units = Organisation.objects.visible_to(user, REVIEW) | Organisation.objects.visible_to(user, MANAGE)
    return units.active().subtree(root).order_by("path")


def _point_or_404(user, pk: int) -> RiskPoint:
    point = (
        services.points_readable(user)
        .select_related(
            "organisation",
            "round",
            "round__organisation",
            "post",
            "post__department",
            "proposed_by",
            "reviewed_by",
            "consulted_by",
            "approved_by",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if point is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return point


# --- the register ------------------------------------------------------------------------------------------


def _register_filters(request, root: Organisation) -> dict:
    rounds = list(services.rounds_for(root).order_by("-year", "organisation__path"))
    chosen = _int(request.GET.get("round"))
    round = next((r for r in rounds if r.pk == chosen), None) or services.round_default(rounds)
    unit_id = _int(request.GET.get("unit"))
    unit = Organisation.objects.filter(pk=unit_id).subtree(root).first() if unit_id else None
    level = _int(request.GET.get("level"))
    status = request.GET.get("status", "")
    process = request.GET.get("process", "")
    return {
        "rounds": rounds,
        "round": round,
        "unit": unit,
        "process": process if process in Process.values else "",
        "level": level if level in Level.values else None,
        "status": status if status in services.STATUS_FILTERS else "",
        "post_id": _int(request.GET.get("post")),
    }


def _register_points(request, root: Organisation, filters: dict):
    """The points of the scope the user may see, narrowed by every filter but the level (whose counts are shown)."""
    base = RiskPoint.objects.visible_to(request.user).filter(subtree_q(root.path, "organisation__"))
    if filters["round"] is None:
        return base.none()
    return services.point_filter(
        base,
        round=filters["round"],
        org=filters["unit"],
        process=filters["process"],
        status=filters["status"],
        post_id=filters["post_id"],
    )


@permission_required(VIEW)
def point_list(request):
    """The register of a round (the open one unless another is chosen): its points with their level, rating,
    post and status, counted by level."""
    root = scope_or_404(request)
    filters = _register_filters(request, root)
    narrowed = _register_points(request, root, filters)
    points = services.point_filter(narrowed, level=filters["level"]).select_related(
        "organisation", "post", "post__department"
    )
    page = id_page(
        points.order_by("level", "organisation__path", "pk"), per_page=PAGE_SIZE, number=request.GET.get("page")
    )
    grid = levels.matrix(org_path=root.path)
    rows = [(p, grid.rating(p.likelihood, p.impact)) for p in page.object_list]
    in_round = RiskPoint.objects.visible_to(request.user).filter(round=filters["round"])
    me = services.member_of(request.user)
    counts = services.level_counts(narrowed)
    context = {
        "root": root,
        "page": page,
        "rows": rows,
        "counts": counts,
        "total": sum(counts.values()),
        "today": timezone.localdate(),
        "processes": Process.choices,
        "statuses": [(value, label) for value, label in PointStatus.choices]
        + [("needs_review", _("Level to be reviewed")), ("overdue", _("Review overdue"))],
        "units": Organisation.objects.filter(pk__in=in_round.values("organisation_id")).order_by("path")[:UNITS_MAX],
        "posts": Post.objects.filter(pk__in=in_round.values("post_id")).select_related("department"),
        "can_add": _managed_units(request.user, root).exists() or services.posts_held(me).exists(),
        **filters,
    }
    return render(request, "risks/register_list.html", context)


@permission_required(VIEW)
def point_export(request):
    """The register as filtered on the page, as a workbook (by a background job when it is large)."""
    root = scope_or_404(request)
    filters = _register_filters(request, root)
    points = services.point_filter(_register_points(request, root, filters), level=filters["level"])
    ids = list(points.values_list("pk", flat=True))
    if len(ids) > INLINE_MAX:
        job = register_job_start(owner=request.user, org=root, point_ids=ids, lang=get_language())
        return redirect("core:job_detail", pk=job.pk)
    buffer = io.BytesIO()
    register_export(user=request.user, org=root, points=points, out=buffer)
    round = filters["round"]
    name = f"risk-register-{round.year if round else 'none'}-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(buffer.getvalue(), name)


# --- recording and changing a point ------------------------------------------------------------------------


def _unit_posts(user, unit: Organisation, current: Post | None = None):
    """The posts a point of the unit may name: all the unit's posts in use for its reviewers and managers, the
    posts they hold for everyone else (and the point's own post, so that a form can be saved unchanged)."""
    if services.may_manage_unit(user, unit):
        posts = Post.objects.filter(organisation=unit, is_active=True)
    else:
        posts = services.posts_held(services.member_of(user)).filter(organisation=unit)
    if current is not None:
        posts = posts | Post.objects.filter(pk=current.pk)
    return posts.select_related("department").order_by("name").distinct()


def _service_errors(form, formset, exc: ValidationError) -> None:
    """A service's refusal beside its field; those about the measures above the measure rows."""
    found = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    about_measures = found.pop("measures", [])
    if about_measures:
        formset.non_form_errors().extend(about_measures)
    if found:
        add_service_errors(form, ValidationError(found))


def _point_form(request, *, form_class, org, posts, people, initial, rows, blank):
    """The point's form and its measure rows: as sent, or -- for "add another measure" -- as typed, unbound,
    with one more empty row."""
    if request.method != "POST":
        return form_class(initial=initial, org=org, posts=posts), measure_formset(
            people=people, initial=rows, blank=blank
        )
    if "more" in request.POST:
        typed, typed_rows = initial_from_post(request.POST, form=form_class(org=org, posts=posts))
        form = form_class(initial=typed, org=org, posts=posts)
        return form, measure_formset(people=people, initial=typed_rows, blank=1)
    return form_class(request.POST, org=org, posts=posts), measure_formset(request.POST, people=people)


def _creatable_units(request) -> list[Organisation]:
    user = request.user
    units = {u.pk: u for u in _managed_units(user, _scope(request))[:UNITS_MAX]}
    for post in services.posts_held(services.member_of(user)).select_related("organisation"):
        if post.organisation.is_active:
            units.setdefault(post.organisation_id, post.organisation)
    return sorted(units.values(), key=lambda u: u.path)


@login_required
def point_create(request):
    """A risk point recorded in the open round: by a holder for their own post, by the unit's reviewers and
    managers for any of its posts or processes."""
    units = _creatable_units(request)
    if not units:
        raise Http404(_("You record risk points for no unit."))
    unit_id = _int(request.POST.get("unit") or request.GET.get("unit"))
    unit = next((u for u in units if u.pk == unit_id), units[0])
    round = services.open_round(unit)
    posts, people = _unit_posts(request.user, unit), services.unit_people(unit)
    initial = {"post": _int(request.GET.get("post"))}
    form, measures = _point_form(
        request, form_class=PointForm, org=unit, posts=posts, people=people, initial=initial, rows=[], blank=2
    )
    status = 200
    if request.method == "POST" and "more" not in request.POST:
        status = 422
        if round is None:
            form.add_error(None, _("No identification round is open for {org}.").format(org=unit.name))
        elif form.is_valid() and measures.is_valid():
            try:
                point = services.point_create(
                    round=round, organisation=unit, actor=request.user, measures=measures.measures(),
                    **form.point_fields(),
                )  # fmt: skip
            except ValidationError as exc:
                _service_errors(form, measures, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The risk point is recorded as a draft. Propose it when it is ready."))
                return redirect("risks:point_detail", pk=point.pk)
    context = {"form": form, "measures": measures, "unit": unit, "units": units, "round": round, "point": None,
               "thresholds": levels.level_thresholds(org_path=unit.path),
               "perms_view": can(request.user, VIEW)}  # fmt: skip
    return render(request, "risks/point_form.html", context, status=status)


@login_required
def point_edit(request, pk: int):
    point = _point_or_404(request.user, pk)
    if not (services.may_manage_unit(request.user, point) or services.is_proposer(request.user, point)):
        raise Http404
    if not services.may_edit(request.user, point):
        messages.info(request, _("Only a draft or a returned risk point of an open round can be changed."))
        return redirect("risks:point_detail", pk=point.pk)
    unit = point.organisation
    initial = {
        "version": point.version, "post": point.post_id, "process": point.process, "title": point.title,
        "description": point.description, "causes": point.causes, "criteria": point.criteria,
        "level": point.level if point.level_reason else None, "level_reason": point.level_reason,
        "likelihood": point.likelihood, "impact": point.impact,
    }  # fmt: skip
    form, measures = _point_form(
        request, form_class=PointEditForm, org=unit, posts=_unit_posts(request.user, unit, point.post),
        people=services.unit_people(unit), initial=initial, rows=measures_initial(point), blank=1,
    )  # fmt: skip
    status = 200
    if request.method == "POST" and "more" not in request.POST:
        status = 422
        if form.is_valid() and measures.is_valid():
            try:
                services.point_update(
                    point=point, actor=request.user, measures=measures.measures(), version=form.cleaned_data["version"],
                    **form.point_fields(),
                )  # fmt: skip
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                _service_errors(form, measures, exc)
            else:
                messages.success(request, _("The risk point is saved."))
                return redirect("risks:point_detail", pk=point.pk)
    context = {"form": form, "measures": measures, "unit": unit, "units": [], "round": point.round, "point": point,
               "thresholds": levels.level_thresholds(org_path=unit.path),
               "perms_view": can(request.user, VIEW)}  # fmt: skip
    return render(request, "risks/point_form.html", context, status=status)


@login_required
def point_level(request):
    """The level the ticked criteria give (htmx, beside the checkboxes of the point's form)."""
    unit = Organisation.objects.filter(pk=_int(request.GET.get("unit"))).first()
    org_path = unit.path if unit else ""
    try:
        level = levels.level_for(request.GET.getlist("criteria"), org_path=org_path)
        problem = ""
    except ValidationError as exc:
        level, problem = None, " ".join(exc.messages)
    return render(request, "risks/partials/point_level_preview.html", {"computed": level, "problem": problem})


# --- a point's page ----------------------------------------------------------------------------------------


def _measure_rows(point: RiskPoint) -> list[tuple]:
    """(measure, whether its owner is still on the unit's register)."""
    rows = point.measures.select_related("owner", "owner__organisation").order_by("order", "pk")
    return [(m, services.owner_in_place(m.owner, point.organisation)) for m in rows]


def _detail(request, point: RiskPoint, *, status: int = 200, failed: TransitionForm | None = None):
    user = request.user
    actions = workflow.point_actions(user, point)
    grid = levels.matrix(org_path=point.organisation.path)
    criteria = dict(levels.criteria_choices(org_path=point.organisation.path))
    incidents = list(point.incidents.select_related("noted_by"))
    refs = records_resolve(user, [(i.record_kind, i.record_id) for i in incidents if i.record_kind])
    failed_action = failed.data.get("action") if failed is not None else ""
    forms = {
        action: failed
        if action == failed_action
        else TransitionForm(initial={"action": action, "version": point.version})
        for action in actions
    }
    context = {
        "point": point,
        "criteria_labels": [criteria.get(key, key) for key in point.criteria],
        "perms_view": can(user, VIEW),
        "rating": grid.rating(point.likelihood, point.impact),
        "grid": grid,
        "measure_rows": _measure_rows(point),
        "reviews": point.reviews.select_related("reviewer"),
        "incidents": [(i, refs.get((i.record_kind, i.record_id)) if i.record_kind else None) for i in incidents],
        "events": point.events.select_related("actor"),
        "forms": forms,
        "failed_action": failed_action,
        "refused": failed.non_field_errors() if failed is not None and failed_action not in actions else [],
        "may_edit": services.may_edit(user, point),
        "may_follow_up": point.status == PointStatus.APPROVED and services.may_follow_up(user, point),
        "today": timezone.localdate(),
    }
    return render(request, "risks/point_detail.html", context, status=status)


@login_required
def point_detail(request, pk: int):
    return _detail(request, _point_or_404(request.user, pk))


@login_required
@require_POST
def point_transition(request, pk: int):
    """One move of the workflow (propose, review, consult, approve, return, withdraw) from the point's page."""
    point = _point_or_404(request.user, pk)
    action = request.POST.get("action", "")
    if action not in workflow.ACTIONS or not workflow.may_act(request.user, action, point):
        raise Http404
    form = TransitionForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.point_transition(
                point=point, action=action, actor=request.user, version=data["version"], comment=data["comment"],
                opinion=data["opinion"],
            )  # fmt: skip
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, _point_or_404(request.user, pk), status=409, failed=form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, workflow.DONE[action])
            return redirect("risks:point_detail", pk=point.pk)
    return _detail(request, point, status=status, failed=form)


# --- periodic reviews and incidents ------------------------------------------------------------------------


def _followed_up(request, pk: int) -> RiskPoint | None:
    """The point to review or link an incident to; None (after saying why) when it is not on the register."""
    point = _point_or_404(request.user, pk)
    if not services.may_follow_up(request.user, point):
        raise Http404
    if point.status != PointStatus.APPROVED:
        messages.info(request, _("Only a risk point on the register (approved) is reviewed or has incidents linked."))
        return None
    return point


@login_required
def point_review(request, pk: int):
    """A periodic review: were the measures effective, the level after, and perhaps a problem to rectify."""
    point = _followed_up(request, pk)
    if point is None:
        return redirect("risks:point_detail", pk=pk)
    people = services.unit_people(point.organisation)
    initial = {"reviewed_on": timezone.localdate(), "level_after": point.level, "measures_effective": "yes"}
    form = ReviewForm(request.POST or None, initial=initial, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            review = follow_up.review_record(point=point, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            done = _("The review is recorded; the next review is due by {day}.").format(day=review.next_review_on)
            if review.rectification_item is not None:
                done += " " + _("The problem is on the unit's rectification list.")
            messages.success(request, done)
            return redirect(services.point_url(point, "reviews"))
    status = 422 if request.method == "POST" else 200
    return render(request, "risks/point_review.html", {"point": point, "form": form}, status=status)


@login_required
def point_incident(request, pk: int):
    """An incident linked to a point: a clue, a rectification item, an audit finding (a record, or in words)."""
    point = _followed_up(request, pk)
    if point is None:
        return redirect("risks:point_detail", pk=pk)
    form = IncidentForm(request.POST or None, initial={"occurred_on": timezone.localdate()}, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up.incident_link(point=point, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The incident is linked; the point's level is raised for review."))
            return redirect(services.point_url(point, "incidents"))
    status = 422 if request.method == "POST" else 200
    return render(request, "risks/point_incident.html", {"point": point, "form": form}, status=status)


# --- posts -------------------------------------------------------------------------------------------------


def _post_holders(posts: list[Post], root: Organisation) -> dict[int, int]:
    """How many members on the register hold each post (one query for the page)."""
    names = {p.name for p in posts}
    members = list(
        Member.objects.filter(
            subtree_q(root.path, "organisation__"), status__in=ON_REGISTER, post__in=names
        ).values_list("organisation__path", "department_id", "post")
    )
    counts = {}
    for post in posts:
        path = post.organisation.path
        counts[post.pk] = sum(
            1
            for m_path, dept, name in members
            if name == post.name and m_path.startswith(path) and post.department_id in (None, dept)
        )
    return counts


def _post_page(request, root: Organisation, *, form=None, status: int = 200):
    unit = Organisation.objects.filter(pk=_int(request.GET.get("unit"))).subtree(root).first()
    posts = Post.objects.visible_to(request.user).filter(subtree_q((unit or root).path, "organisation__"))
    if request.GET.get("inactive") != "1":
        posts = posts.filter(is_active=True)
    page = id_page(
        posts.select_related("organisation", "department").order_by("organisation__path", "name", "pk"),
        per_page=50,
        number=request.GET.get("page"),
    )
    round = services.round_default(services.rounds_for(root))
    points = dict(
        RiskPoint.objects.filter(post__in=[p.pk for p in page.object_list], round=round)
        .exclude(status=PointStatus.WITHDRAWN)
        .values_list("post")
        .annotate(n=Count("pk"))
    )
    holders = _post_holders(list(page.object_list), root)
    managed_units = _managed_units(request.user, root)
    managed = list(managed_units[:UNITS_MAX])
    if form is None and managed:
        departments = services.unit_departments(root)
        form = PostCreateForm(units=managed_units, departments=departments, initial={"unit": unit.pk if unit else None})
    context = {
        "root": root,
        "unit": unit,
        "page": page,
        "rows": [(p, holders.get(p.pk, 0), points.get(p.pk, 0)) for p in page.object_list],
        "round": round,
        "units": Organisation.objects.filter(pk__in=Post.objects.visible_to(request.user).values("organisation_id"))
        .subtree(root)
        .order_by("path")[:UNITS_MAX],
        "managed": managed,
        "form": form,
        "show_inactive": request.GET.get("inactive") == "1",
    }
    return render(request, "risks/post_list.html", context, status=status)


@permission_required(VIEW)
def post_list(request):
    """The posts of the scope's units, with how many members hold each and its points in the current round."""
    return _post_page(request, scope_or_404(request))


@permission_required(VIEW)
@require_POST
def post_create(request):
    root = scope_or_404(request)
    managed = _managed_units(request.user, root)
    if not managed.filter(pk=_int(request.POST.get("unit"))).exists():
        raise Http404
    form = PostCreateForm(request.POST, units=managed, departments=services.unit_departments(root))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_create(
                organisation=data["unit"], name=data["name"], department=data["department"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"organisation": "unit"})
        else:
            messages.success(request, _("The post “{name}” is added.").format(name=data["name"]))
            return redirect(reverse("risks:post_list") + f"?unit={data['unit'].pk}")
    return _post_page(request, root, form=form, status=422)


def _post_or_404(user, pk: int) -> Post:
    post = Post.objects.visible_to(user).select_related("organisation", "department").filter(pk=pk).first()
    if post is None or not services.may_manage_unit(user, post):
        raise Http404(_("No such record, or it is not within your organisations."))
    return post


@permission_required(VIEW)
def post_edit(request, pk: int):
    post = _post_or_404(request.user, pk)
    departments = services.unit_departments(post.organisation)
    initial = {"name": post.name, "department": post.department_id}
    form = PostForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(post=post, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The post is saved."))
            return redirect(reverse("risks:post_list") + f"?unit={post.organisation_id}")
    status = 422 if request.method == "POST" else 200
    holders = post.holders().select_related("organisation")[:100]
    return render(request, "risks/post_edit.html", {"post": post, "form": form, "holders": holders}, status=status)


@permission_required(VIEW)
@require_POST
def post_active(request, pk: int):
    """Take a post out of use, or back into use."""
    post = _post_or_404(request.user, pk)
    active = request.POST.get("is_active") == "1"
    services.post_set_active(post=post, is_active=active, actor=request.user)
    messages.success(request, _("The post is in use again.") if active else _("The post is no longer in use."))
    return redirect(reverse("risks:post_list") + f"?unit={post.organisation_id}")


@permission_required(VIEW)
@require_POST
def posts_sync(request):
    """Add the posts the member register shows in a unit's subtree."""
    root = scope_or_404(request)
    unit = _managed_units(request.user, root).filter(pk=_int(request.POST.get("unit"))).first()
    if unit is None:
        raise Http404
    added = services.posts_sync(organisation=unit, actor=request.user)
    if added:
        messages.success(request, _("{n} posts added from the member register.").format(n=added))
    else:
        messages.info(request, _("Every post on the member register is already listed."))
    return redirect(reverse("risks:post_list") + f"?unit={unit.pk}")


# --- My risk points ----------------------------------------------------------------------------------------


@login_required
def my_points(request):
    """The approved risk points of the posts I hold, the points I recorded or proposed, and where to propose."""
    context = services.member_points(request.user)
    me = context["member"]
    grid = levels.matrix(org_path=me.organisation.path if me else "")
    context["rows"] = [(p, grid.rating(p.likelihood, p.impact)) for p in context["registered"]]
    context["today"] = timezone.localdate()
    return render(request, "risks/my_points.html", context)


urls = [
    path("points/", point_list, name="point_list"),
    path("points/new/", point_create, name="point_create"),
    path("points/level/", point_level, name="point_level"),
    path("points/export/", point_export, name="point_export"),
    path("points/<int:pk>/", point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", point_edit, name="point_edit"),
    path("points/<int:pk>/transition/", point_transition, name="point_transition"),
    path("points/<int:pk>/review/", point_review, name="point_review"),
    path("points/<int:pk>/incident/", point_incident, name="point_incident"),
    path("posts/", post_list, name="post_list"),
    path("posts/new/", post_create, name="post_create"),
    path("posts/sync/", posts_sync, name="posts_sync"),
    path("posts/<int:pk>/", post_edit, name="post_edit"),
    path("posts/<int:pk>/active/", post_active, name="post_active"),
    path("mine/", my_points, name="my_points"),
]
