"""schemathesis against the OpenAPI schema: generated input, valid or not, never causes a server error.

The pytest plugin's lazy fixture loader does not work with this pytest, so each
operation's Hypothesis strategy is driven directly; the app runs over the
``store`` fixture, hence on every backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Limits

EXAMPLES_PER_OPERATION = 12


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_server_errors(client: Client, mode: GenerationMode) -> None:
    # schemathesis calls the app as "testserver": allowed by name, as a reverse proxy's would be (api/guard.py)
    app = create_app(client, limits=Limits(allowed_hosts=("testserver",)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            check()
        except Unsatisfiable:  # nothing schema-invalid can be generated for this operation (negative mode)
            continue
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them together
            causes = [exc, *getattr(exc, "exceptions", ())]
            failures.append(f"{operation.label}: " + " / ".join(f"{type(e).__name__}: {str(e)[:2000]}" for e in causes))
    assert not failures, "\n\n".join(failures)
