"""The API's error answers, declared once for every endpoint, and the input no endpoint may receive.

Errors are raised as exceptions (Http404, PermissionDenied, ValidationError, Conflict ...) and turned into
{"error": {"code", "message", "details"}} by the handlers in qinglian/api.py, so no endpoint lists them in its
`response=`. `document_errors()` adds them to the OpenAPI schema instead, by what each operation can meet: the
schema then says every status code a client may see, and what the body holds.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import ValidationError
from ninja.parser import Parser


class ErrorDetail(Schema):
    field: str | None = None
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(Schema):
    """Every error the API answers: {"error": {"code": ..., "message": ..., "details": [...]}}."""

    error: ErrorBody


UNSAFE = {"post", "put", "patch", "delete"}
METHODS = UNSAFE | {"get", "head", "options"}

DESCRIPTIONS = {
    400: "The request body is not valid JSON, or holds NUL characters",
    401: "Not logged in, or the API token is malformed, unknown, expired or revoked",
    403: "The caller's roles do not allow this",
    404: "No such record, or it is not within the caller's organisations",
    409: "The record changed or is in a state that does not allow this",
    413: "The upload is larger than the site allows",
    422: "Some values are not valid",
    503: "The database is unavailable; try again later",
    507: "The upload folder's disk is full",
}


def error_codes(method: str, operation: dict) -> list[int]:
    """The error statuses an operation can answer, from what it takes and whether it needs a login."""
    # 404 and 422 everywhere: records outside the caller's organisations read as missing, and the services check
    # what they are asked to do (a member's own practice needs a member record) whatever the parameters.
    codes = {404, 422, 503}
    if operation.get("security"):
        codes |= {401, 403}
    body = operation.get("requestBody") or {}
    if body:
        codes |= {400, 413}
    if "multipart/form-data" in body.get("content", {}):
        codes.add(507)
    if method in UNSAFE:
        codes.add(409)
    return sorted(codes)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error answers to every operation of an OpenAPI schema (keeping any an endpoint declares)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorOut"] = body
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code in error_codes(method, operation):
                if code not in responses and str(code) not in responses:
                    responses[code] = {"description": DESCRIPTIONS[code], "content": content}
    return schema


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(where: str, data: Any) -> Any:
    # PostgreSQL cannot store NUL in text, and no form or file field of ours means it: refuse it at the door
    # rather than let it reach the database as a server error.
    if _has_nul(data):
        raise ValidationError([{"loc": (where,), "msg": _("Text may not contain NUL (\\u0000) characters.")}])
    return data


class RefusingParser(Parser):
    """The JSON and query parser, refusing NUL characters anywhere in what it parses."""

    def parse_body(self, request):
        return _refuse_nul("body", super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        return _refuse_nul("query", super().parse_querydict(data, list_fields, request))


def file_answer(*media_types: str) -> dict:
    """`openapi_extra` of an endpoint that answers a file: its 200 is the file in one of `media_types`, not JSON."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in media_types}
    return {"responses": {200: {"description": "OK", "content": content}}}
