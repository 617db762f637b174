"""Wait for the search index's background catch-up: the API never indexes inside a request (``search/catchup.py``)."""

from __future__ import annotations

import time
from typing import Any

#: Seconds a test waits for the catch-up (it loads the embedding model first); a sanity bound, not a speed claim.
CATCH_UP_SECONDS = 180.0


def wait_until_indexed(http: Any, headers: dict[str, str] | None = None, timeout: float = CATCH_UP_SECONDS) -> None:
    """Poll ``GET /api/v1/search`` (``http``: a TestClient or httpx.Client) until ``pending_changes`` is 0."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get("/api/v1/search", params={"q": ""}, headers=headers or {})
        assert response.status_code == 200, response.text
        pending = response.json()["pending_changes"]
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"the search index is still {pending} change(s) behind after {timeout} s"
        time.sleep(0.05)
