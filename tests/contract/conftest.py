"""The contract suite runs on every backend, engine variants and views included.

Views (``tests/views.py``: the as-of view at now, a project's scope) are stores
too, so they run the same tests. A test about something a view cannot have
says so with ``@pytest.mark.backend_only("why", views=("scoped",))`` (every view
when ``views`` is left out) and is skipped there with that reason.
"""

from __future__ import annotations

import pytest

from tests.backends import HARNESSES, BackendHarness
from tests.conftest import use_harness
from tests.views import VIEWS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "backend_only(reason, views=...): a contract test the named views (default: all) skip, with the reason",
    )


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def backend(request: pytest.FixtureRequest) -> BackendHarness:
    view = getattr(request.param, "view", None)
    marker = request.node.get_closest_marker("backend_only")
    if view is not None and marker is not None and view in marker.kwargs.get("views", tuple(VIEWS)):
        pytest.skip(f"not run on the {view} view: {marker.args[0]}")
    return use_harness(request.param)
