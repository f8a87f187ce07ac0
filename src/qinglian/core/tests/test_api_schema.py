"""The served OpenAPI schema says what the API answers: one component per schema class, and every error status.

The fuzzing against the served schema (tests/scale/test_api_schema.py) checks the answers themselves; these are the
quick checks of the schema's shape that keep it honest between those runs.
"""

from __future__ import annotations

import typing
from collections import defaultdict

import pydantic
import pytest

from qinglian.api import api


def _models():
    seen: set = set()
    found: list = []

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            found.append(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for argument in typing.get_args(annotation):
            walk(argument)

    api.get_openapi_schema()  # binds the routers
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    walk(model)
    return found


def test_no_two_schema_classes_share_a_component_name():
    """Components are named by class: two classes of one name would leave one operation described by the other's."""
    names = defaultdict(set)
    for model in _models():
        if model.__module__.startswith("qinglian."):
            names[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: places for name, places in names.items() if len(places) > 1} == {}


def test_every_operation_declares_the_errors_it_can_answer():
    schema = api.get_openapi_schema()
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = {int(code) for code in operation["responses"]}
            assert {404, 422} <= responses, (method, path)
            if operation.get("security"):
                assert {401, 403} <= responses, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert 409 in responses, (method, path)


@pytest.fixture
def bearer(cast):
    from qinglian.accounts.services import token_create

    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=cast.admin, name='t', days=1)[1]}"}


def test_nul_characters_are_refused_before_they_reach_the_database(client, bearer):
    """PostgreSQL refuses NUL in text: a body holding one is a bad request, a query value an invalid one."""
    response = client.post("/api/v1/accounts/tokens", {"name": "a\x00b"}, content_type="application/json", **bearer)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "error"
    response = client.get("/api/v1/rules?key=a%00b", **bearer)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
