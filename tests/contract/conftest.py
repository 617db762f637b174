"""The contract suite runs on every backend, engine variants included."""

from __future__ import annotations

import pytest

from tests.backends import HARNESSES, BackendHarness
from tests.conftest import use_harness


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def backend(request: pytest.FixtureRequest) -> BackendHarness:
    return use_harness(request.param)
