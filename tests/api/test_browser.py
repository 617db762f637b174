"""The web app in a real browser (Debian's Chromium via Playwright) on every backend: search, open, lineage, expand.

The demo-world flows (catalogue, writers, /docs offline, 900 px) are in
``tests/api/test_web.py``; these run on the small test world
(``tests/api/world.py``) so that each backend serves the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.client import Client
from tests.api.browser import launch, require_chromium, screenshot, wait_ready
from tests.api.indexing import wait_until_indexed
from tests.api.live import running_server
from tests.api.world import (
    CHURN_MODEL,
    CHURN_V1,
    COMMIT,
    CUSTOMERS_V1,
    CUSTOMERS_V2,
    DEPLOY_LIVE,
    DEPLOY_RETIRED,
    ENV,
    MONITOR,
    REVIEW,
    TRAIN_RUN,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(client: Client) -> Iterator[tuple[Any, str]]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with running_server(create_app(client)) as base_url, sync_playwright() as p:
        browser = launch(p)
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


def test_search_open_lineage_and_read_badges(page: tuple[Any, str], tmp_path: Path) -> None:
    browser_page, base_url = page
    with httpx.Client(base_url=base_url, timeout=30) as http:
        wait_until_indexed(http)  # the API searches what is indexed; the catch-up runs in the background
    browser_page.goto(base_url + "/search?q=churn")
    wait_ready(browser_page)
    hit = browser_page.locator(f'#hits li[data-id="{CHURN_V1}"]')
    assert "model version" in hit.inner_text()
    hit.locator("a").click()
    wait_ready(browser_page)
    assert browser_page.inner_text("#node-id") == CHURN_V1
    browser_page.click('.tabs a[data-tab="reviews"]')
    wait_ready(browser_page)
    assert "Calibration fine" in browser_page.inner_text("#reviews")
    assert browser_page.locator("#audit-link").get_attribute("href") == f"/api/v1/audit/{CHURN_V1}?format=html"

    browser_page.click("#open-lineage")
    wait_ready(browser_page)
    assert cy_ids(browser_page) == {
        CHURN_V1, TRAIN_RUN, CHURN_MODEL, CUSTOMERS_V2, COMMIT, ENV, REVIEW, DEPLOY_LIVE, DEPLOY_RETIRED, MONITOR,
    }
    # status badges: the retired deployment is drawn as retired, the review carries its verdict
    assert browser_page.evaluate(f"window.cy.getElementById('{DEPLOY_RETIRED}').hasClass('retired')")
    assert "✔ approved" in browser_page.evaluate(f"window.cy.getElementById('{REVIEW}').data('label')")
    assert "drift low" in browser_page.evaluate(f"window.cy.getElementById('{MONITOR}').data('label')")
    # deeper upstream is one URL away, and the URL is what the page draws
    browser_page.select_option("#direction", "up")
    wait_ready(browser_page)
    browser_page.select_option("#depth", "all")
    wait_ready(browser_page)
    assert browser_page.url.endswith(f"/lineage/{CHURN_V1}?direction=up&depth=all")
    assert {CUSTOMERS_V1, CUSTOMERS_V2, TRAIN_RUN} <= cy_ids(browser_page)
    assert DEPLOY_LIVE not in cy_ids(browser_page)
    browser_page.uncheck('#legend input[data-kind="dataset_version"]')
    assert browser_page.evaluate(f"() => window.cy.getElementById('{CUSTOMERS_V1}').hasClass('hidden')")
    browser_page.check('#legend input[data-kind="dataset_version"]')
    assert not browser_page.evaluate(f"() => window.cy.getElementById('{CUSTOMERS_V1}').hasClass('hidden')")
    screenshot(browser_page, tmp_path, "explorer")


def test_a_thousand_node_lineage_is_drawn_with_the_layered_layout(page: tuple[Any, str], client: Client) -> None:
    from tests.api.bigworld import build_wide_lineage

    root = build_wide_lineage(client.store, 1000)
    browser_page, base_url = page
    browser_page.goto(f"{base_url}/lineage/{root}?direction=up&depth=all")
    wait_ready(browser_page, timeout=60_000)
    assert len(cy_ids(browser_page)) >= 1000
    layout_ms = browser_page.evaluate("() => window.modelctx.state.layoutMs")
    print(f"layout of {len(cy_ids(browser_page))} nodes: {layout_ms} ms")
    # every drawn edge goes left to right: the layered layout puts what came first on the left
    backwards = browser_page.evaluate(
        "() => window.cy.edges().filter(e => e.source().position('x') >= e.target().position('x')).length")
    assert backwards == 0
    browser_page.uncheck('#legend input[data-kind="dataset_version"]')
    hidden = browser_page.evaluate("() => window.cy.nodes('.hidden').length")
    assert hidden >= 900


def test_forty_cards_keep_readable_titles(page: tuple[Any, str], client: Client, tmp_path: Path) -> None:
    from tests.api.bigworld import build_wide_lineage

    root = build_wide_lineage(client.store, 80)  # about 45 nodes: the model version, its run, 14 x (clean, raw, table)
    browser_page, base_url = page
    browser_page.goto(f"{base_url}/lineage/{root}?direction=both&depth=all")
    wait_ready(browser_page)
    count = browser_page.evaluate("window.cy.nodes().length")
    assert 40 <= count <= 60
    assert browser_page.evaluate("window.cy.nodes('.plain').length") == 0  # cards, not marks
    font = browser_page.evaluate("window.cy.nodes().first().renderedStyle('font-size')")
    assert float(font.removesuffix("px")) >= 10  # titles are drawn at 10 px or more, however many cards
    screenshot(browser_page, tmp_path, "lineage-45-cards")


def test_column_lineage_is_shown_where_it_was_recorded(page: tuple[Any, str], client: Client) -> None:
    from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

    raw, clean = "dataset_version:orders/raw-1", "dataset_version:orders/clean-1"
    client.store.write(
        [Node(raw, NodeKind.DATASET_VERSION, {"name": "orders raw 1"}),
         Node(clean, NodeKind.DATASET_VERSION, {"name": "orders clean 1"})],
        [Edge(clean, raw, EdgeType.DERIVED_FROM, {
            "columns": {"amount_eur": ["amount", "currency"], "customer": ["customer_id"]},
            "transformations": {"amount_eur": "amount converted at the day's rate"}})],
        actor="test:columns")
    browser_page, base_url = page
    browser_page.goto(f"{base_url}/nodes/{clean}")
    wait_ready(browser_page)
    rows = browser_page.eval_on_selector_all(
        "#column-lineage tbody tr", "trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim()))")
    assert rows == [["amount_eur", "amount, currency", raw, "amount converted at the day's rate"],
                    ["customer", "customer_id", raw, ""]]
    browser_page.goto(f"{base_url}/lineage/{clean}?direction=up&depth=1")
    wait_ready(browser_page)
    edge = f"{clean}|DERIVED_FROM|{raw}"
    assert browser_page.evaluate("(id) => window.cy.getElementById(id).data('label')", edge) == \
        "derived into (2 columns)"
    browser_page.evaluate("(id) => window.cy.getElementById(id).emit('tap')", edge)
    browser_page.wait_for_selector("#edge-columns")
    assert "amount, currency" in browser_page.inner_text("#edge-columns")
    # a version without column lineage shows no such section
    browser_page.goto(f"{base_url}/nodes/{raw}")
    wait_ready(browser_page)
    assert browser_page.locator("#column-lineage").count() == 1  # the raw version lists what it feeds
    assert "(downstream)" in browser_page.inner_text("#column-lineage")
    browser_page.goto(f"{base_url}/nodes/{CUSTOMERS_V1}")
    wait_ready(browser_page)
    assert browser_page.locator("#column-lineage").count() == 0
