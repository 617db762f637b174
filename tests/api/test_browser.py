"""The page in a real browser (Debian's Chromium via Playwright): search, open a lineage, expand, read reviews."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.client import Client
from tests.api.indexing import wait_until_indexed
from tests.api.live import running_server
from tests.api.world import (
    CHURN_MODEL,
    CHURN_V1,
    COMMIT,
    CUSTOMERS,
    CUSTOMERS_V1,
    CUSTOMERS_V2,
    DEPLOY_LIVE,
    DEPLOY_RETIRED,
    ENV,
    FRAUD_RUN,
    MONITOR,
    REVIEW,
    TRAIN_RUN,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(client: Client) -> Iterator[tuple[Any, str]]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("MODELCTX_TEST_REQUIRE_ALL"):
            pytest.fail(f"the browser test is required in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with running_server(create_app(client)) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, base_url
            assert not errors, errors
        finally:
            browser.close()


def cy_ids(page: Any) -> set[str]:
    return set(page.evaluate("() => window.cy.nodes().map(n => n.id())"))


def click_node(page: Any, node_id: str) -> None:
    """Click a graph node where it is drawn, as a person would."""
    x, y = page.evaluate(
        """(id) => { const n = window.cy.getElementById(id); const p = n.renderedPosition();
                     const box = document.getElementById('cy').getBoundingClientRect();
                     return [box.left + p.x, box.top + p.y]; }""",
        node_id,
    )
    page.mouse.click(x, y)


def wait_ready(page: Any) -> None:
    page.wait_for_function("() => document.body.dataset.state === 'ready'")


def test_search_open_expand_and_read_reviews(page: tuple[Any, str], tmp_path: Path) -> None:
    browser_page, base_url = page
    with httpx.Client(base_url=base_url, timeout=30) as http:
        wait_until_indexed(http)  # the API searches what is indexed; the catch-up runs in the background
    browser_page.goto(base_url + "/")
    browser_page.fill("#q", "churn")
    browser_page.press("#q", "Enter")
    hit = browser_page.locator(f'#hits li[data-id="{CHURN_V1}"]')
    hit.wait_for()
    assert "model_version" in hit.inner_text()
    hit.click()
    wait_ready(browser_page)
    assert cy_ids(browser_page) == {
        CHURN_V1, TRAIN_RUN, CHURN_MODEL, CUSTOMERS_V2, COMMIT, ENV, REVIEW, DEPLOY_LIVE, DEPLOY_RETIRED, MONITOR,
    }
    panel = browser_page.locator("#panel")
    panel.get_by_text("Calibration fine").wait_for()
    assert "approved" in panel.inner_text()
    assert browser_page.locator("#audit-link").get_attribute("href") == f"/api/v1/audit/{CHURN_V1}?format=html"

    click_node(browser_page, CUSTOMERS_V2)
    browser_page.wait_for_function(
        "(id) => document.querySelector('#panel .node-id')?.textContent === id", arg=CUSTOMERS_V2)
    browser_page.click("#expand-up")
    browser_page.wait_for_function("(n) => window.cy.nodes().length === n", arg=12)
    wait_ready(browser_page)
    assert cy_ids(browser_page) >= {CUSTOMERS_V1, CUSTOMERS}
    browser_page.click("#expand-down")
    browser_page.wait_for_function("(id) => window.cy.getElementById(id).nonempty()", arg=FRAUD_RUN)
    wait_ready(browser_page)
    assert len(cy_ids(browser_page)) == 13

    browser_page.uncheck('#kinds input[data-kind="review"]')
    assert browser_page.evaluate(f"() => window.cy.getElementById('{REVIEW}').hasClass('hidden')")
    browser_page.check('#kinds input[data-kind="review"]')
    assert not browser_page.evaluate(f"() => window.cy.getElementById('{REVIEW}').hasClass('hidden')")
    shot = tmp_path / "explorer.png"
    browser_page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("MODELCTX_SAVE_SCREENSHOT"):
        target = REPO / "docs" / "screenshots" / "explorer.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


def test_a_thousand_node_lineage_is_drawn_with_the_layered_layout(page: tuple[Any, str], client: Client) -> None:
    from tests.api.bigworld import build_wide_lineage

    root = build_wide_lineage(client.store, 1000)
    browser_page, base_url = page
    browser_page.goto(f"{base_url}/?node={root}&depth=all")
    browser_page.wait_for_function("() => document.body.dataset.state === 'ready'", timeout=60_000)
    assert len(cy_ids(browser_page)) >= 1000
    layout_ms = browser_page.evaluate("() => window.modelctx.state.layoutMs")
    print(f"layout of {len(cy_ids(browser_page))} nodes: {layout_ms} ms")
    browser_page.uncheck('#kinds input[data-kind="dataset_version"]')
    hidden = browser_page.evaluate("() => window.cy.nodes('.hidden').length")
    assert hidden >= 900
