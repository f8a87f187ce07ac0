"""Membership transfers: the list, the letter form, the letter with its decision, and the printed letter."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.views import permission_required
from qinglian.orgs import letters
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.forms import TransferDecisionForm, TransferForm
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Transfer, subtree_q
from qinglian.orgs.services import transfers as services
from qinglian.orgs.vocab import TransferKind, TransferStatus
from qinglian.reports import docx

PERMISSION = services.PERMISSION
DIRECTIONS = ("all", "incoming", "outgoing")


def _visible(user):
    return Transfer.objects.visible_to(user, PERMISSION).select_related("member", "from_org", "to_org")


def _get_or_404(user, pk) -> Transfer:
    """A transfer either side may see: the sender's and the receiver's people alike; anyone else gets 404."""
    transfer = _visible(user).filter(pk=pk).first()
    if transfer is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return transfer


@permission_required(PERMISSION)
def transfer_list(request):
    root = scope_or_404(request)
    direction = request.GET.get("direction") if request.GET.get("direction") in DIRECTIONS else "all"
    status = request.GET.get("status") if request.GET.get("status") in TransferStatus.values else ""
    transfers = _visible(request.user).filter(subtree_q(root.path, "from_org__") | subtree_q(root.path, "to_org__"))
    if direction == "incoming":
        transfers = transfers.incoming_to(request.user)
    elif direction == "outgoing":
        transfers = transfers.outgoing_from(request.user)
    if status:
        transfers = transfers.filter(status=status)
    page = Paginator(transfers.order_by("-requested_on", "-id"), 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "root": root,
        "direction": direction,
        "status": status,
        "directions": [("all", _("All")), ("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
        "statuses": TransferStatus.choices,
        "today": timezone.localdate(),
    }
    return render(request, "orgs/transfer_list.html", context)


def _incoming_fields(form) -> dict:
    """The incoming person's fields carry in_ on the form: the service's field name -> the form's."""
    return {name.removeprefix("in_"): name for name in form.fields if name.startswith("in_")}


def _chosen(user, form: TransferForm):
    """The member and receiving branch picked on the form, read back to show them again after an error."""
    data = form.data or form.initial
    member_id, org_id = str(data.get("member") or ""), str(data.get("to_org") or "")
    member = (
        Member.objects.visible_to(user, PERMISSION).select_related("organisation").filter(pk=member_id).first()
        if member_id.isdigit()
        else None
    )
    target = services.target_branches().filter(pk=org_id).first() if org_id.isdigit() else None
    return member, target


@permission_required(PERMISSION)
def transfer_create(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or TransferKind.INTERNAL
    if kind not in TransferKind.values:
        raise Http404
    initial = {"kind": kind, "member": request.GET.get("member", "")}
    if initial["member"]:
        get_visible_or_404(Member.objects, request.user, PERMISSION, pk=initial["member"])
    form = TransferForm(request.POST or None, initial=initial, kind=kind)
    member, target = _chosen(request.user, form)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_request(
                kind=kind, member=member, incoming=form.incoming(), to_org=target, actor=request.user,
                **{name: form.cleaned_data[name] for name in TransferForm.LETTER},
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc, rename=_incoming_fields(form))
        except PermissionDenied:
            form.add_error(None, _("Your roles do not allow transfers from or to this organisation."))
        else:
            messages.success(request, _("Transfer letter {no} was issued.").format(no=transfer.letter_no))
            return redirect("orgs:transfer_detail", pk=transfer.pk)
    context = {"form": form, "kind": kind, "kinds": TransferKind.choices, "member": member, "target": target}
    return render(request, "orgs/transfer_form.html", context)


@permission_required(PERMISSION)
def transfer_members(request):
    """Members the user may transfer, found by name or pinyin (an htmx partial of choices)."""
    q = request.GET.get("q", "").strip()[:60]
    found = []
    if q:
        found = (
            Member.objects.visible_to(request.user, PERMISSION)
            .on_register()
            .filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
            .select_related("organisation")
            .order_by("name_pinyin", "id")[:15]
        )
    return render(request, "orgs/partials/transfer_members.html", {"found": found, "q": q})


@permission_required(PERMISSION)
def transfer_targets(request):
    """Active branches anywhere in the system, by name: a letter may go to any of them, so every
    sender may find them -- but learns only their names, nothing else of an organisation outside
    their scope."""
    q = request.GET.get("q", "").strip()[:60]
    branches = services.target_branches()
    if request.GET.get("mine"):  # a transfer in is registered by the receiving branch itself
        branches = branches.visible_to(request.user, PERMISSION)
    found = []
    if q:
        found = branches.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(name_initials__startswith=q.lower())
        )[:15]
    return render(request, "orgs/partials/transfer_targets.html", {"found": found, "q": q})


def _detail(request, transfer, form=None, status=200):
    user = request.user
    pending = transfer.status == TransferStatus.PENDING
    context = {
        "transfer": transfer,
        "expired": services.is_expired(transfer),
        "can_decide": pending and services.may_decide(user, transfer),
        "can_cancel": pending and services.may_cancel(user, transfer),
        "form": form or TransferDecisionForm(initial={"version": transfer.version}),
        "letter": letters.letter_fields(transfer),
        "today": timezone.localdate(),
    }
    return render(request, "orgs/transfer_detail.html", context, status=status)


@permission_required(PERMISSION)
def transfer_detail(request, pk):
    return _detail(request, _get_or_404(request.user, pk))


@permission_required(PERMISSION)
@require_POST
def transfer_decide(request, pk):
    transfer = _get_or_404(request.user, pk)
    form = TransferDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_transition(transfer=transfer, actor=request.user, **form.cleaned_data)
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc, rename=_incoming_fields(form))
        except PermissionDenied:
            form.add_error(None, _("Only the receiving side may accept or return a letter, and the sender cancel it."))
        else:
            messages.success(request, _("The transfer is now “{status}”.").format(status=_status(form)))
            return redirect("orgs:transfer_detail", pk=transfer.pk)
    return _detail(request, transfer, form, status=422)


def _status(form) -> str:
    return str(dict(TransferStatus.choices)[form.cleaned_data["to_status"]])


@permission_required(PERMISSION)
def transfer_letter(request, pk):
    """The introduction letter (介绍信) as a Word document, for printing and stamping."""
    transfer = _get_or_404(request.user, pk)
    response = HttpResponse(docx.document_bytes(letters.letter_document(transfer)), content_type=docx.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="transfer-letter-{transfer.pk.hex[:8]}.docx"'
    return response
