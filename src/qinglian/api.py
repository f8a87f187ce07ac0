"""The API's front door: /api/v1/, with session or token authentication and one error format.

Each app contributes a router from its own `api.py`; this module only wires them together.
Errors always read {"error": {"code": ..., "message": ..., "details": [...]}}.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from qinglian.accounts.api import router as accounts_router
from qinglian.accounts.middleware import second_factor_missing
from qinglian.accounts.services import BadToken, token_authenticate
from qinglian.core.api import router as core_router
from qinglian.core.api_errors import RefusingParser, document_errors
from qinglian.core.middleware_db import (
    RETRY_AFTER_SECONDS,
    close_broken_connections,
    database_unavailable,
    unavailable_message,
)
from qinglian.core.uploads import StorageFull
from qinglian.discipline.api import portal_router as discipline_portal_router
from qinglian.discipline.api import router as discipline_router
from qinglian.duties.api import router as duties_router
from qinglian.evaluation.api import router as evaluation_router
from qinglian.orglife.api import router as orglife_router
from qinglian.orgs.api import router as orgs_router
from qinglian.orgs.services import Conflict
from qinglian.rectification.api import router as rectification_router
from qinglian.risks.api import router as risks_router
from qinglian.study.api import router as study_router

log = logging.getLogger(__name__)

TOKEN_PROBLEMS = {
    "malformed": "The API token is malformed: expected 'Authorization: Bearer ql_<prefix>_<secret>'.",
    "unknown": "The API token is not recognised.",
    "expired": "The API token has expired.",
    "revoked": "The API token has been revoked.",
    "inactive": "The API token's account is disabled.",
}


class TokenProblem(Exception):
    def __init__(self, code: str):
        self.code = code


class TokenAuth(HttpBearer):
    openapi_description = "Personal API token: Authorization: Bearer ql_<prefix>_<secret>"

    def authenticate(self, request, token):
        try:
            user = token_authenticate(token)
        except BadToken as exc:
            raise TokenProblem(str(exc)) from None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session; unsafe methods need the CSRF token, as on every form."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        if second_factor_missing(request.user):
            raise TwoFactorMissing
        return request.user if request.user.is_authenticated else None


class TwoFactorMissing(Exception):
    """A privileged user's session has not passed the second factor yet."""


class QinglianAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # The error answers come from the exception handlers below, so they are declared here once for all.
        schema = super().get_openapi_schema(**kwargs)
        document_errors(schema)
        return schema


api = QinglianAPI(
    title="Qinglian API",
    version="1.0.0",
    description="Qinglian's REST API. Every endpoint returns only what the caller's roles allow.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI's default validator badge loads an image from validator.swagger.io: none on an intranet.
    docs=Swagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
    parser=RefusingParser(),
)


def error(request, status: int, code: str, message: str, details=None):
    body = {"error": {"code": code, "message": str(message)}}
    if details:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(TokenProblem)
def _token_problem(request, exc):
    return error(request, 401, f"token_{exc.code}", TOKEN_PROBLEMS[exc.code])


@api.exception_handler(TwoFactorMissing)
def _second_factor(request, exc):
    return error(
        request, 401, "two_factor_required", _("Your role requires two-factor authentication. Set it up to continue.")
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error(request, 401, "not_authenticated", _("Log in or send an API token."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found", _("No such record, or it is not within your organisations."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error(request, 403, "forbidden", _("Your roles do not allow this."))


def _field(loc) -> str | None:
    """The field as the client named it: ("query", "page") -> "page", ("body", "payload", "name") -> "name".

    A body's parameter name ("payload") is ours, not part of the JSON the client sent.
    """
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    details = [{"field": _field(e.get("loc", [])), "message": e.get("msg", "")} for e in exc.errors]
    return error(request, 422, "invalid", _("Some values are not valid."), details)


@api.exception_handler(StorageFull)
def _storage_full(request, exc):
    return error(request, 507, "storage_full", exc.messages[0])


@api.exception_handler(DjangoValidationError)
def _invalid_model(request, exc):
    if hasattr(exc, "message_dict"):
        details = [{"field": f, "message": m} for f, ms in exc.message_dict.items() for m in ms]
    else:
        details = [{"field": None, "message": m} for m in exc.messages]
    return error(request, 422, "invalid", _("Some values are not valid."), details)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Conflict)
def _conflict(request, exc):
    return error(request, 409, "conflict", exc.message)


@api.exception_handler(Exception)
def _server_error(request, exc):
    if database_unavailable(exc):
        close_broken_connections()
        response = error(request, 503, "unavailable", unavailable_message())
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("API error on %s", request.path)
    return error(request, 500, "server_error", _("Something went wrong; the error has been logged."))


api.add_router("/", core_router)
api.add_router("/accounts", accounts_router)
api.add_router("/orgs", orgs_router)
api.add_router("/orglife", orglife_router)
api.add_router("/study", study_router)
api.add_router("/risks", risks_router)
api.add_router("/duties", duties_router)
api.add_router("/rectification", rectification_router)
api.add_router("/discipline", discipline_router)
api.add_router("/evaluation", evaluation_router)
# The reporting portal's own endpoints: no login (the receipt code is the credential), rate-limited.
api.add_router("/report", discipline_portal_router)
