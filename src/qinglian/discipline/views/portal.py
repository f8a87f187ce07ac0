"""The public reporting portal (/report/): file a report, then follow it up with the receipt code.

No login and no session: the portal never writes to Django's session (only the CSRF cookie is set, as on every
form), and reads nothing about the visitor but an opaque, day-long key for the rate limits (services.ratelimit). A
reporter who entered their receipt code holds, for 30 minutes after their last page, a signed cookie naming the
report and a MAC bound to the code's hash (HttpOnly, SameSite=Strict, only under /report/).

Every answer carries Cache-Control: no-store, and the receipt code is shown once in the answer to the filing itself,
never in a URL. A request body larger than the attachments may add up to is refused before it is read.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from qinglian.core import crypto
from qinglian.core.forms import add_service_errors
from qinglian.discipline.forms.portal import LookupForm, MessageForm, ReportForm
from qinglian.discipline.models import Report
from qinglian.discipline.services import portal as services
from qinglian.discipline.services import ratelimit
from qinglian.discipline.vocab import ReportStatus

ACCESS_COOKIE = "ql_report"
ACCESS_MINUTES = 30
ACCESS_SALT = "qinglian.discipline.portal.access"
MB = 1024 * 1024
# Calm colours for where a report stands: waiting is neutral, taken up is green, refused is grey.
STATUS_TONES = {
    ReportStatus.NEW: "text-bg-light border",
    ReportStatus.ACKNOWLEDGED: "text-bg-success",
    ReportStatus.REGISTERED: "text-bg-success",
    ReportStatus.REPEATED: "text-bg-success",
    ReportStatus.NOT_ACCEPTED: "text-bg-secondary",
}


def portal_page(view):
    """Refuse a body larger than the attachments may add up to before anything reads it (CSRF is checked after
    that), and keep every answer out of caches.

    The referrer policy stays the site's "same-origin": under "no-referrer" browsers send `Origin: null` with a
    form, which the CSRF check rightly refuses; and no page of the portal links anywhere else."""
    protected = csrf_protect(view)

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and _content_length(request) > (ratelimit.limits()["max_total_mb"] + 1) * MB:
            response = _refused(request, _too_large_message(), status=413)
        else:
            response = protected(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _too_large_message() -> str:
    return _(
        "What you sent is larger than the portal accepts: the files may come to at most {max} MB together. Nothing "
        "was saved. Go back, choose fewer or smaller files, and send again."
    ).format(max=ratelimit.limits()["max_total_mb"])


def _refused(request, message: str, *, status: int, retry_after: int = 0):
    response = render(request, "discipline/portal_refused.html", {"message": message}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- the reporter's access after entering the code --------------------------------------------------------------


def _access_mac(report: Report) -> str:
    return crypto.mac(f"qinglian-portal-access:{report.pk}:{report.receipt_hash}", key=settings.SECRET_KEY)[:32]


def _access_grant(response, report: Report) -> None:
    value = signing.dumps({"r": report.pk, "m": _access_mac(report)}, salt=ACCESS_SALT)
    response.set_cookie(
        ACCESS_COOKIE,
        value,
        max_age=ACCESS_MINUTES * 60,
        path=reverse("portal:report"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def _access_end(response) -> None:
    response.delete_cookie(ACCESS_COOKIE, path=reverse("portal:report"), samesite="Strict")


def _access_report(request) -> Report | None:
    """The report the visitor's cookie opens, or None (no cookie, expired, forged, or the report is gone)."""
    raw = request.COOKIES.get(ACCESS_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=ACCESS_SALT, max_age=ACCESS_MINUTES * 60)
        pk, mac = int(data["r"]), str(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    report = Report.objects.select_related("organisation").filter(pk=pk).first()
    if report is None or not crypto.constant_time_equal(_access_mac(report), mac):
        return None
    return report


# --- pages ------------------------------------------------------------------------------------------------------


def _promises() -> dict:
    rules = services.portal_rules()
    return {"ack_days": rules["ack_days"], "feedback_months": rules["feedback_months"]}


@portal_page
def report(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        status = 422
        if form.is_valid():
            once = form.cleaned_data["once"]
            if not ratelimit.first_use(once):
                return render(request, "discipline/portal_repeat.html", status=409)
            try:
                filed, code = services.report_file(client_key=ratelimit.client_key(request), **form.service_fields())
            except ratelimit.Limited as exc:
                ratelimit.forget_use(once)
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except ValidationError as exc:
                ratelimit.forget_use(once)
                add_service_errors(form, exc)
            else:
                context = {"report": filed, "receipt": services.receipt_format(code)}
                return render(request, "discipline/portal_receipt.html", context, status=201)
    files_chosen = request.method == "POST" and bool(request.FILES)
    context = {"form": form, "files_chosen": files_chosen, **_promises()}
    response = render(request, "discipline/portal_report.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@portal_page
def follow_up(request):
    form = LookupForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                found = services.receipt_lookup(form.cleaned_data["code"], ratelimit.client_key(request))
            except services.ReceiptUnknown as exc:
                form.add_error("code", exc.message)
                status = 404
            except ratelimit.Limited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            else:
                response = redirect("portal:thread")
                response.status_code = 303
                _access_grant(response, found)
                return response
    context = {"form": form, "has_access": _access_report(request) is not None, "access_minutes": ACCESS_MINUTES}
    response = render(request, "discipline/portal_follow_up.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@portal_page
def thread(request):
    found = _access_report(request)
    if found is None:
        # Not a redirect: the page a bookmark or an ended access leads to says why the code is asked again.
        ended = bool(request.COOKIES.get(ACCESS_COOKIE)) or request.method == "POST"
        # A message written while the access ran out is shown back, so that it is not lost with it.
        unsent = request.POST.get("body", "").strip() if request.method == "POST" else ""
        context = {"form": LookupForm(), "ended": ended, "unsent": unsent, "access_minutes": ACCESS_MINUTES}
        response = render(request, "discipline/portal_follow_up.html", context)
        _access_end(response)
        return response
    if request.method == "POST" and "leave" in request.POST:
        response = redirect("portal:follow_up")
        response.status_code = 303
        _access_end(response)
        return response
    form = MessageForm(request.POST or None, request.FILES or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.reporter_message(
                    report=found,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data.get("files") or [],
                    client_key=ratelimit.client_key(request),
                )
            except ratelimit.Limited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                response = redirect(reverse("portal:thread") + "?sent=1")
                response.status_code = 303
                _access_grant(response, found)
                return response
    label, sentence = services.status_words(found)
    context = {
        "report": found,
        "status_label": label,
        "status_sentence": sentence,
        "status_tone": STATUS_TONES.get(found.status, "text-bg-light border"),
        "not_accepted": found.status == ReportStatus.NOT_ACCEPTED,
        "attachments": found.attachments.filter(message__isnull=True).order_by("pk"),
        "thread": services.reporter_thread(found),
        "form": form,
        "sent": request.GET.get("sent") == "1" and request.method == "GET",
        "files_chosen": request.method == "POST" and bool(request.FILES),
        "access_minutes": ACCESS_MINUTES,
    }
    response = render(request, "discipline/portal_thread.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    _access_grant(response, found)  # the 30 minutes run from the last page
    return response


urls = [
    path("", report, name="report"),
    path("follow-up/", follow_up, name="follow_up"),
    path("follow-up/report/", thread, name="thread"),
]
