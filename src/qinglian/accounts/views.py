from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from qinglian.accounts import forms
from qinglian.accounts.models import ApiToken
from qinglian.accounts.services import token_create, token_revoke, totp_confirm, totp_device_for
from qinglian.core.audit import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = getattr(self.request, "session_expired", False) or "expired" in self.request.GET
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=self.request.user, action="auth.login", obj=self.request.user)
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "")[:150]
        audit_record(actor=None, action="auth.login_failed", object_type="auth.user", object_repr=username)
        return super().form_invalid(form)


def locked_out(request, credentials=None, *args, **kwargs):
    username = ((credentials or {}).get("username") or request.POST.get("username") or "")[:150]
    audit_record(actor=None, action="auth.locked_out", object_type="auth.user", object_repr=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@require_POST
def logout(request):
    if request.user.is_authenticated:
        audit_record(actor=request.user, action="auth.logout", obj=request.user)
    return auth_views.LogoutView.as_view()(request)


password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/password_change.html",
    form_class=forms.PasswordChange,
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    form_class=forms.PasswordReset,
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    form_class=forms.PasswordSet,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


@login_required
def otp_setup(request):
    """Enrol an authenticator app: show the QR code, confirm with a first code."""
    device = totp_device_for(request.user)
    if device.confirmed:
        return redirect("accounts:otp_verify")
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_confirm(device=device, code=form.cleaned_data["code"], actor=request.user):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_next(request))
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#222")
    secret = b32encode(device.bin_key).decode()
    return render(
        request, "accounts/otp_setup.html", {"form": form, "qr": qr, "secret": secret, "next": _next(request)}
    )


@login_required
def otp_verify(request):
    """Confirm a code from the enrolled app for this session."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:otp_setup")
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            audit_record(actor=request.user, action="auth.otp_verified", obj=request.user)
            return redirect(_next(request))
        audit_record(actor=request.user, action="auth.otp_failed", obj=request.user)
        form.add_error("code", _("That code is not right, or it was already used. Wait for the next one."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


@login_required
def profile(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    assignments = request.user.role_assignments.active().select_related("role", "organisation")
    return render(request, "accounts/profile.html", {"device": device, "assignments": assignments})


@login_required
def token_list(request):
    form = forms.TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _token, created = token_create(user=request.user, **form.cleaned_data)
        form = forms.TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/token_list.html", {"form": form, "tokens": tokens, "created": created})


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “{name}” no longer works.").format(name=token.name))
    return redirect("accounts:token_list")
