"""Schemathesis against the served /api/v1/openapi.json, with a token of every built-in role.

One production-shaped server (gunicorn, DEBUG=0, PostgreSQL, Redis) on a small world seeded through the services:
a few organisations, one user per built-in role with an API token (and one user holding no role), and records in
every module. Every operation of the served schema is then called with generated input -- valid and invalid --
and each generated request is sent once with every role's token. Each response must not be a server error, must
carry a status code the schema declares for that operation, and must have the declared content type and a body
that validates against the declared schema.

Left out of the fuzzing, because it would undo the fuzzing itself: revoking an API token (the token being used
may be the one revoked). Operations that rearrange the tree (merge, move, dissolve) run last, so that the roles'
scopes hold while everything else is fuzzed.

    pytest -m scale tests/scale/test_api_schema.py -p no:xdist          # about 3 minutes
    API_FUZZ_EXAMPLES=20 pytest -m scale tests/scale/test_api_schema.py  # deeper, slower
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

import pytest

from tests.scale.stack import Stack

pytestmark = pytest.mark.scale

PORT = 8400
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "1"))

# Operations that would undo the fuzzing itself: the token revoked may be the one in use.
EXCLUDED = {("DELETE", "/api/v1/accounts/tokens/{token_id}")}
# Operations that rearrange the tree, and with it the roles' scopes: run after everything else.
LAST = ("/merge", "/move", "/dissolve")

SEED = "import json\nfrom tests.scale.api_world import world_seed\nprint('TOKENS' + json.dumps(world_seed()))\n"


@dataclass
class Report:
    operations: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple, str] = field(default_factory=dict)

    def add(self, key: tuple, text: str) -> None:
        self.failures.setdefault(key, text)


def _ordered(operations):
    return sorted(operations, key=lambda op: op.path.endswith(LAST))


def fuzz(base_url: str, tokens: dict[str, str], examples: int, *, only: str | None = None) -> Report:
    """Every operation of the served schema, `examples` generated cases each, each case sent with every token."""
    import requests
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.core.failures import Failure, FailureGroup

    checks = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
    ]
    # Building the schema of ~370 operations takes a while on a busy machine: a generous first read.
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", timeout=120)
    session = requests.Session()
    report = Report()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in _ordered(operations):
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        if only and only not in operation.label:
            continue
        report.operations += 1
        strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
        if operation.body or any(True for _ in operation.iter_parameters()):
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            for role, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"}
                response = case.call(base_url=base_url, session=session, headers=headers, timeout=60)
                report.requests += 1
                report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except (Failure, FailureGroup) as exc:
                    problems = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
                    for problem in problems:
                        key = (operation.label, type(problem).__name__, response.status_code)
                        report.add(
                            key,
                            f"{operation.label} as {role}: {response.status_code} {problem.title}\n"
                            f"  {str(problem.message)[:600]}\n  {case.as_curl_command(headers)[:600]}\n"
                            f"  <- {response.text[:300]}",
                        )

        run()
    return report


@pytest.fixture(scope="module")
def served():
    with Stack("e1_api", redis_db=5) as stack:
        stack.manage("migrate")
        started = time.monotonic()
        out = stack.python(SEED)
        seeded = time.monotonic() - started
        tokens = json.loads(out.split("TOKENS", 1)[1])
        stack.server(PORT, workers=2)
        yield stack, f"http://127.0.0.1:{PORT}", tokens, seeded


def test_every_operation_with_every_role_answers_as_documented(served):
    _stack, base_url, tokens, seeded = served
    started = time.monotonic()
    report = fuzz(base_url, tokens, EXAMPLES)
    seconds = time.monotonic() - started
    print(
        f"\napi fuzz: {report.operations} operations x {len(tokens)} tokens, {EXAMPLES} examples each: "
        f"{report.requests} requests in {seconds:.0f} s (seed {seeded:.0f} s); "
        f"statuses {sorted(report.statuses.items())}"
    )
    # Every operation was reached, by every role, and the run saw the answers that show it reached the handlers.
    assert report.operations > 300
    assert report.requests >= report.operations * len(tokens)
    assert report.statuses.get(200, 0) > 0 and report.statuses.get(404, 0) > 0
    assert not report.failures, f"{len(report.failures)} problems:\n\n" + "\n\n".join(report.failures.values())
