"""Conflict-of-interest pages: the supplier register (list, add, edit, import with its template), the checks of
the scope with "run a check now", and a check's possible conflicts with their evidence and the decision form.

Every page needs risks.conflicts where the records sit; a possible conflict is shown to nobody else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_record
from qinglian.core.forms import add_service_errors
from qinglian.core.models import Job
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404, scope_q
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import xlsx_response
from qinglian.risks.forms.conflicts import MatchDecideForm, SupplierForm, SupplierUploadForm
from qinglian.risks.models import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.names import normalise_company, normalise_credit_code
from qinglian.risks.sections import RELATIONS, SECTIONS
from qinglian.risks.services import conflicts as services
from qinglian.risks.vocab import MatchBasis, MatchStatus, SectionKind

CONFLICTS = services.CONFLICTS
SUPPLIERS_PER_PAGE = 30
MATCHES_PER_PAGE = 20
CHECKS_PER_PAGE = 20


# --- the supplier register --------------------------------------------------------------------------------------


def _suppliers(request, root: Organisation):
    return Supplier.objects.visible_to(request.user).filter(subtree_q(root.path, "organisation__"))


@permission_required(CONFLICTS)
def supplier_list(request):
    root = scope_or_404(request)
    suppliers = _suppliers(request, root)
    total = suppliers.count()
    q = request.GET.get("q", "").strip()[:100]
    if q:
        code = normalise_credit_code(q)
        key = normalise_company(q)
        match = Q(name__icontains=q) | Q(credit_code__startswith=code)
        suppliers = suppliers.filter(match | Q(name_key__contains=key) if key else match)
    page = id_page(
        suppliers.select_related("organisation"), per_page=SUPPLIERS_PER_PAGE, number=request.GET.get("page")
    )
    context = {"root": root, "page": page, "q": q, "total": total, "can_add": can(request.user, CONFLICTS, root)}
    return render(request, "risks/supplier_list.html", context)


@permission_required(CONFLICTS)
def supplier_create(request):
    root = scope_or_404(request)
    if not can(request.user, CONFLICTS, root):
        raise Http404(_("You keep no supplier register in this organisation. Choose another in the top bar."))
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.supplier_create(organisation=root, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("“{name}” is on the supplier register.").format(name=supplier.name))
            return redirect("risks:supplier_list")
    status = 422 if request.method == "POST" else 200
    return render(request, "risks/supplier_form.html", {"form": form, "root": root}, status=status)


def _supplier(request, pk: int) -> Supplier:
    return get_visible_or_404(Supplier.objects.select_related("organisation"), request.user, CONFLICTS, pk=pk)


@permission_required(CONFLICTS)
def supplier_edit(request, pk: int):
    supplier = _supplier(request, pk)
    initial = {
        "name": supplier.name, "credit_code": supplier.credit_code, "kind": supplier.kind,
        "legal_representative": supplier.legal_representative, "shareholders": supplier.shareholders,
        "business": supplier.business, "token": services.supplier_token(supplier),
    }  # fmt: skip
    form = SupplierForm(request.POST or None, initial=initial, masked=supplier.legal_rep_id_masked)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.supplier_update(
                    supplier=supplier, actor=request.user, token=form.cleaned_data["token"] or None,
                    **form.service_fields(),
                )  # fmt: skip
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The supplier is saved."))
                return redirect("risks:supplier_list")
    context = {"form": form, "supplier": supplier, "matches": supplier.matches.count()}
    return render(request, "risks/supplier_form.html", context, status=status)


@permission_required(CONFLICTS)
@require_POST
def supplier_delete(request, pk: int):
    supplier = _supplier(request, pk)
    try:
        services.supplier_delete(supplier=supplier, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("risks:supplier_edit", pk=supplier.pk)
    messages.success(request, _("“{name}” is off the supplier register.").format(name=supplier.name))
    return redirect("risks:supplier_list")


@permission_required(CONFLICTS)
def supplier_template(request):
    return xlsx_response(services.supplier_template(), _("supplier-template") + ".xlsx")


@permission_required(CONFLICTS)
def supplier_import(request):
    root = scope_or_404(request)
    allowed = can(request.user, CONFLICTS, root)
    form = SupplierUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and allowed and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.supplier_import_upload(
                organisation=root, actor=request.user, name=upload.name, data=upload.read(), lang=get_language()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("risks:supplier_import_detail", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND)[:5]
    context = {"form": form, "root": root, "allowed": allowed, "recent": recent}
    return render(request, "risks/supplier_import.html", context, status=422 if form.errors else 200)


def _import_job(request, pk) -> Job:
    job = Job.objects.filter(owner=request.user, kind=services.IMPORT_KIND, pk=pk).first()
    if job is None or not can(request.user, CONFLICTS, services.import_organisation(job)):
        raise Http404(_("No such record, or it is not within your organisations."))
    return job


@permission_required(CONFLICTS)
def supplier_import_detail(request, pk):
    job = _import_job(request, pk)
    state = job.params.get("state")
    if request.htmx:
        if state == services.ImportState.IMPORTING:
            return render(request, "risks/partials/supplier_import_progress.html", {"job": job})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    errors = job.params.get("errors", [])
    page = Paginator(errors, 100).get_page(request.GET.get("page"))
    file_problem = errors[0]["message"] if errors and errors[0]["row"] is None else ""
    context = {"job": job, "params": job.params, "state": state, "page": page, "file_problem": file_problem}
    return render(request, "risks/supplier_import_detail.html", context)


@permission_required(CONFLICTS)
@require_POST
def supplier_import_confirm(request, pk):
    job = _import_job(request, pk)
    try:
        job = services.supplier_import_confirm(job=job, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("risks:supplier_import_detail", pk=job.pk)
    services.supplier_import_start(job=job, actor=request.user)
    return redirect("risks:supplier_import_detail", pk=job.pk)


# --- checks -----------------------------------------------------------------------------------------------------


def _checks(request, root: Organisation):
    return ConflictCheck.objects.filter(scope_q(request.user, CONFLICTS, model=ConflictCheck)).filter(
        subtree_q(root.path, "organisation__")
    )


@permission_required(CONFLICTS)
def check_list(request):
    root = scope_or_404(request)
    checks = _checks(request, root).select_related("organisation", "job", "started_by")
    checks = checks.annotate(pending=Count("found", filter=Q(found__status=MatchStatus.PENDING)))
    checks = checks.order_by("-started_at", "-pk")  # GROUP BY drops the model's ordering
    page = Paginator(checks, CHECKS_PER_PAGE).get_page(request.GET.get("page"))
    for check in page:
        check.state = services.check_state(check)
    context = {
        "root": root,
        "page": page,
        "can_run": can(request.user, CONFLICTS, root),
        "running": services.check_running(root),
        "suppliers": _suppliers(request, root).count(),
    }
    return render(request, "risks/conflict_check_list.html", context)


@permission_required(CONFLICTS)
@require_POST
def check_run(request):
    root = scope_or_404(request)
    if not can(request.user, CONFLICTS, root):
        raise Http404(_("You run no checks in this organisation. Choose another in the top bar."))
    try:
        check = services.check_run(organisation=root, actor=request.user, lang=get_language())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("risks:conflict_check_list")
    return redirect("risks:conflict_check_detail", pk=check.pk)


def _check(request, pk: int) -> ConflictCheck:
    queryset = ConflictCheck.objects.select_related("organisation", "job", "started_by")
    return get_visible_or_404(queryset, request.user, CONFLICTS, pk=pk)


@permission_required(CONFLICTS)
def check_detail(request, pk: int):
    check = _check(request, pk)
    state = services.check_state(check)
    if request.htmx and request.GET.get("progress"):
        if state == "running":
            return render(request, "risks/partials/conflict_check_progress.html", {"check": check})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    matches = ConflictMatch.objects.visible_to(request.user).filter(check_run=check)
    counts = dict(matches.order_by().values_list("status").annotate(n=Count("pk")))
    status = request.GET.get("status", "")
    basis = request.GET.get("basis", "")
    if status in MatchStatus.values:
        matches = matches.filter(status=status)
    if basis in MatchBasis.values:
        matches = matches.filter(basis=basis)
    matches = services.in_work_order(matches.select_related("member", "member__organisation", "supplier", "decided_by"))
    page = id_page(matches, per_page=MATCHES_PER_PAGE, number=request.GET.get("page"))
    threshold = services.min_similarity(check.organisation)
    for match in page:
        match.view = match_view(match, threshold)
        match.form = MatchDecideForm(match=match)
    if state == "done":
        audit_record(actor=request.user, action="risks.conflict_check_view", obj=check, changes={"page": page.number})
    context = {
        "check": check,
        "state": state,
        "page": page,
        "counts": counts,
        "total": sum(counts.values()),
        "status": status if status in MatchStatus.values else "",
        "basis": basis if basis in MatchBasis.values else "",
        "statuses": MatchStatus.choices,
        "bases": MatchBasis.choices,
        "threshold": threshold,
    }
    return render(request, "risks/conflict_check_detail.html", context)


@permission_required(CONFLICTS)
@require_POST
def match_decide(request, pk: int):
    match = get_visible_or_404(
        ConflictMatch.objects.select_related("organisation", "member", "member__organisation", "supplier", "check_run"),
        request.user,
        CONFLICTS,
        pk=pk,
    )
    form = MatchDecideForm(request.POST, match=match)
    status = 422
    if form.is_valid():
        try:
            match = services.match_decide(
                match=match, status=form.cleaned_data["status"], note=form.cleaned_data["note"], actor=request.user,
                version=form.cleaned_data["version"],
            )  # fmt: skip
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("The decision is recorded."))
                return redirect(
                    reverse("risks:conflict_check_detail", args=[match.check_run_id]) + f"#match-{match.pk}"
                )
            form = MatchDecideForm(match=match)
            status = 200
    match.view = match_view(match, services.min_similarity(match.organisation))
    match.form = form
    if request.htmx:  # htmx swaps only a 200: the card comes back with its errors in place
        return render(request, "risks/partials/conflict_match.html", {"match": match, "check": match.check_run})
    return render(
        request, "risks/conflict_match_decide.html", {"match": match, "check": match.check_run}, status=status
    )


# --- how a match is shown ---------------------------------------------------------------------------------------

_BUSINESS_ROLES = dict(
    next(f for f in next(r for r in SECTIONS[SectionKind.PERSONAL_MATTERS].lists if r.key == "businesses").fields
         if f.key == "role").choices
)  # fmt: skip


def relation_label(relation: str) -> str:
    if relation == "self":
        return pgettext("relation", "The cadre")
    return str(dict(RELATIONS).get(relation, relation))


def match_view(match: ConflictMatch, threshold: float) -> dict:
    """What the page shows of a match: the declaration beside the supplier's record, and each reason in words."""
    evidence = match.evidence or {}
    declared = evidence.get("declared", {})
    supplier = evidence.get("supplier", {})
    reasons = [_reason(reason, threshold) for reason in evidence.get("reasons", [])]
    first = (evidence.get("reasons") or [{}])[0]
    return {
        "declared": _declared_rows(declared),
        "declared_key": first.get("declared_key") or first.get("employer_key") or "",
        "supplier": [
            (_("Company name"), supplier.get("name", "")),
            (_("Unified social credit code"), supplier.get("credit_code", "")),
            (_("Legal representative"), supplier.get("legal_representative", "")),
            (_("Legal representative's identity number"), supplier.get("legal_rep_id_masked", "")),
            (_("Shareholders"), "、".join(supplier.get("shareholders", []))),
        ],
        "supplier_key": supplier.get("key", ""),
        "reasons": reasons,
        "relation": relation_label(match.relation),
        "carried": bool(evidence.get("carried_from")),
    }


def _declared_rows(declared: dict) -> list[tuple[str, str]]:
    source = declared.get("source", "")
    sources = {
        "business": _("A business run by a family member (report on personal matters)"),
        "family": _("A family member (family members section)"),
        "self": _("The cadre (member register)"),
    }
    rows = [
        (_("Declared in"), sources.get(source, "")),
        (_("Year"), str(declared.get("year", "") or "")),
        (_("Relation"), relation_label(declared.get("relation", "")) if declared.get("relation") else ""),
        (pgettext("person", "Name"), declared.get("person", "")),
        (_("Identity number"), declared.get("person_masked", "")),
        (_("Employer"), declared.get("employer", "")),
        (_("Company name"), declared.get("company", "")),
        (_("Unified social credit code"), declared.get("credit_code", "")),
        (_("Role"), str(_BUSINESS_ROLES.get(declared.get("role", ""), declared.get("role", "")))),
    ]
    return [(label, value) for label, value in rows if value]


def _reason(reason: dict, threshold: float) -> dict:
    basis = reason.get("basis", "")
    declared = reason.get("declared", {})
    who = declared.get("person", "")
    if basis == "credit_code":
        text = _("The declared business “{company}” has the supplier's unified social credit code.").format(
            company=declared.get("company") or declared.get("credit_code", "")
        )
    elif basis == "person_id":
        if declared.get("source") == "self":
            text = _("The cadre's own identity number on the register is the supplier's legal representative's.")
        else:
            text = _("The identity number declared for {person} is the supplier's legal representative's.").format(
                person=who
            )
    elif basis == "name_exact":
        text = _(
            "“{declared}” and the supplier's name are the same once place, brackets and company form are set aside "
            "(both read “{key}”)."
        ).format(declared=declared.get("company", ""), key=reason.get("supplier_key", ""))
    elif basis == "name_similar":
        text = _(
            "“{declared}” is alike the supplier's name: similarity {score:.2f}, where {threshold:.2f} is enough to be "
            "listed."
        ).format(declared=declared.get("company", ""), score=reason.get("similarity", 0), threshold=threshold)
    else:
        role = _("legal representative") if reason.get("matched") == "legal_representative" else _("a shareholder")
        text = _(
            "{person} has the name of the supplier's {role}, and the employer declared for them is this supplier; no "
            "identity numbers settle whether it is the same person."
        ).format(person=who, role=role)
    return {"basis": basis, "label": MatchBasis(basis).label if basis in MatchBasis.values else basis, "text": text}


urls = [
    path("suppliers/", supplier_list, name="supplier_list"),
    path("suppliers/new/", supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/edit/", supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/delete/", supplier_delete, name="supplier_delete"),
    path("suppliers/template/", supplier_template, name="supplier_template"),
    path("suppliers/import/", supplier_import, name="supplier_import"),
    path("suppliers/import/<uuid:pk>/", supplier_import_detail, name="supplier_import_detail"),
    path("suppliers/import/<uuid:pk>/confirm/", supplier_import_confirm, name="supplier_import_confirm"),
    path("conflicts/", check_list, name="conflict_check_list"),
    path("conflicts/run/", check_run, name="conflict_check_run"),
    path("conflicts/<int:pk>/", check_detail, name="conflict_check_detail"),
    path("conflicts/matches/<int:pk>/decide/", match_decide, name="conflict_match_decide"),
]
