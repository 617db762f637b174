"""Shared pieces of the browser tests: Debian's Chromium through Playwright, and the app served on loopback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"


def require_chromium() -> None:
    """Skip when Chromium is missing, unless CI asks for every test (MODELCTX_TEST_REQUIRE_ALL)."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("MODELCTX_TEST_REQUIRE_ALL"):
        pytest.fail(f"the browser test is required in CI: {reason}")
    pytest.skip(reason)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_ready(page: Any, timeout: float = 30_000) -> None:
    """The app sets body[data-state] to ready when the view the URL names is drawn (error when it failed)."""
    page.wait_for_function("() => ['ready', 'error'].includes(document.body.dataset.state)", timeout=timeout)
    assert page.evaluate("document.body.dataset.state") == "ready", page.inner_text("#view")[:500]


def screenshot(page: Any, tmp_path: Path, name: str) -> Path:
    """A screenshot in ``tmp_path``, copied to docs/screenshots when MODELCTX_SAVE_SCREENSHOT is set."""
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("MODELCTX_SAVE_SCREENSHOT"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, SCREENSHOTS / f"{name}.png")
    return shot
