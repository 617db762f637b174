"""The web app in a real browser (Debian's Chromium via Playwright) over the demo world, as its users walk it.

One demo world is built per module (real training, reviews, deployments and
monitoring: ``modelctx/demo/world.py``) and served with access control on, so
each flow runs with a token: an admin for browsing, a writer and a reader for
the write actions. Every test asserts what the page shows, not only that it
loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.api.tokens import create_token
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.governance.approval import approval_of
from modelctx.graph.model import NodeKind
from tests.api.browser import launch, require_chromium, screenshot, wait_ready
from tests.api.indexing import wait_until_indexed
from tests.api.live import running_server

pytestmark = pytest.mark.browser

V1 = "model_version:tumour-classifier/1"
V2 = "model_version:tumour-classifier/2"
V3 = "model_version:tumour-classifier/3"


@dataclass
class Site:
    base_url: str
    client: Client
    tokens: dict[str, str]
    playwright: Any
    browser: Any

    def page(self, role: str = "admin", width: int = 1400, height: int = 900, offline: bool = False) -> Any:
        """A fresh browser context whose localStorage holds ``role``'s token, as the Token button leaves it."""
        context = self.browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        context.add_init_script(f"localStorage.setItem('modelctx.token', {self.tokens[role]!r})")
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        return page

    def headers(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    from modelctx.demo.world import build_demo_world

    home = tmp_path_factory.mktemp("web-home")
    client = Client.open(f"sqlite:///{home / 'modelctx.db'}", settings=Settings(home=home), actor="user:demo")
    build_demo_world(client)
    tokens = {role: create_token(client, f"web-{role}", role)[1] for role in ("admin", "writer", "reader")}
    with running_server(create_app(client, require_tokens=True)) as base_url, sync_playwright() as p:
        browser = launch(p)
        try:
            yield Site(base_url, client, tokens, p, browser)
        finally:
            browser.close()
            client.close()


def path_of(page: Any) -> str:
    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def goto(site: Site, page: Any, path: str) -> None:
    page.goto(site.base_url + path)
    wait_ready(page)


def rows(page: Any, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"{selector} tbody tr",
                                     "trs => trs.map(tr => [...tr.cells].map(td => td.innerText.trim()))")


def test_catalogue_model_version_lineage_diff_and_back(site: Site, tmp_path: Path) -> None:
    page = site.page()
    goto(site, page, "/")
    assert path_of(page) == "/models"  # the root redirects to the catalogue without a history entry
    tumour = page.locator('section[data-model="tumour-classifier"]')
    table = rows(page, 'section[data-model="tumour-classifier"] table.versions')
    assert [r[0] for r in table] == ["tumour-classifier v3", "tumour-classifier v2", "tumour-classifier v1"]
    v3, v2, v1 = table
    assert v2[1] == "@production" and v2[2] == "approved" and v2[3] == "production" and v2[4] == "drift critical"
    assert v3[1] == "@candidate" and v3[2] == "changes requested" and v3[3] == "sandbox (retired)"
    assert v1[3] == "production (retired)" and v1[4] == "—"
    assert re.fullmatch(r"accuracy 0\.\d+", v2[5])
    # "deployed to production" counts only the production environment
    wine = rows(page, 'section[data-model="wine-cultivar"] table.versions')
    assert wine[0][3] == "staging"
    screenshot(page, tmp_path, "models")

    tumour.locator("a.model-link").click()
    wait_ready(page)
    assert path_of(page) == "/models/tumour-classifier"
    assert page.inner_text("h1").endswith("tumour-classifier")
    assert len(rows(page, "table.versions")) == 3
    screenshot(page, tmp_path, "model")

    page.locator("table.versions a.version-link", has_text="tumour-classifier v2").click()
    wait_ready(page)
    assert path_of(page) == f"/nodes/{V2}"
    assert page.inner_text("#node-id") == V2
    tabs = page.eval_on_selector_all(".tabs a", "as => as.map(a => a.dataset.tab)")
    assert tabs == ["overview", "lineage", "reviews", "deployments", "notes", "related", "history"]
    assert "RandomForestClassifier" in page.inner_text('tr[data-key="params"]')
    page.click('.tabs a[data-tab="reviews"]')
    wait_ready(page)
    assert path_of(page) == f"/nodes/{V2}?tab=reviews"
    assert "approved" in page.inner_text("#reviews")
    screenshot(page, tmp_path, "model-version")

    page.click("#open-lineage")
    wait_ready(page)
    assert path_of(page) == f"/lineage/{V2}?direction=both&depth=2"
    graph = page.evaluate("""() => ({
        nodes: window.cy.nodes().map(n => n.id()),
        edges: window.cy.edges().map(e => [e.source().data('kind'), e.data('label'), e.target().data('kind')]),
        zoom: window.cy.zoom(),
    })""")
    assert {V2, "model:tumour-classifier"} <= set(graph["nodes"])
    # edge labels read left to right, in the direction the cards are laid out
    assert ["model_version", "deployed as", "deployment"] in graph["edges"]
    assert ["model_version", "version of", "model"] in graph["edges"]
    assert ["run", "generated", "model_version"] in graph["edges"]
    assert ["dataset_version", "used by (training)", "run"] in graph["edges"]
    assert ["deployment", "monitored by", "monitoring_report"] in graph["edges"]
    run_x, version_x = page.evaluate("""(id) => {
        const version = window.cy.getElementById(id);
        const run = version.incomers('edge[label = "generated"]').source();
        return [run.position('x'), version.position('x')]; }""", V2)
    assert run_x < version_x  # the run that generated the version is drawn to its left
    report = page.evaluate("window.cy.nodes('[kind = \"monitoring_report\"]').first().data()")
    assert "drift critical" in report["label"]
    assert page.evaluate("window.cy.nodes('[kind = \"monitoring_report\"]').first().hasClass('bad')")
    assert graph["zoom"] * 14 >= 10  # card titles are drawn at 10 px or more
    svg = page.evaluate("window.modelctx.lineageSvg()")
    assert svg.startswith("<svg") and "deployed as" in svg and "tumour-classifier v2" in svg
    with page.expect_download() as download:
        page.click("#export-png")
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    with page.expect_download() as download:
        page.click("#export-svg")
    assert download.value.suggested_filename.endswith(".svg")
    assert "deployed as" in Path(download.value.path()).read_text()
    # the drawer follows the clicked card and links to its page
    page.evaluate("window.cy.getElementById('model:tumour-classifier').emit('tap')")
    page.wait_for_function("(id) => document.querySelector('#drawer .drawer-id')?.textContent === id",
                           arg="model:tumour-classifier")
    screenshot(page, tmp_path, "lineage")

    goto(site, page, f"/diff?a={V1}&b={V2}")
    assert page.input_value("#diff-a") == V1 and page.input_value("#diff-b") == V2
    page.wait_for_selector("#diff-side-a, #diff-error")
    assert page.locator("#diff-error").count() == 0, page.inner_text("#diff")
    assert "tumour-classifier v1" in page.inner_text("#diff-side-a")
    assert "tumour-classifier v2" in page.inner_text("#diff-side-b")
    metrics = rows(page, "#diff-metrics")
    assert [r[0] for r in metrics] == ["accuracy"] and re.fullmatch(r"[+-]0\.\d+", metrics[0][3])
    assert ["estimator", "Pipeline", "RandomForestClassifier", ""] in rows(page, "#diff-parameters")
    datasets = rows(page, "#diff-datasets")
    assert datasets[0][:4] == ["breast-cancer (training)", "breast-cancer@1", "breast-cancer@2", "changed"]
    assert datasets[0][4] == "398 → 569 (+171)"
    screenshot(page, tmp_path, "diff")

    page.go_back()
    wait_ready(page)
    assert path_of(page) == f"/lineage/{V2}?direction=both&depth=2"
    assert page.evaluate("window.cy.nodes().length") == len(graph["nodes"])
    page.go_back()
    wait_ready(page)
    assert path_of(page) == f"/nodes/{V2}?tab=reviews" and "approved" in page.inner_text("#reviews")
    page.go_back()
    page.go_back()
    wait_ready(page)
    assert path_of(page) == "/models/tumour-classifier"
    page.go_forward()
    wait_ready(page)
    assert path_of(page) == f"/nodes/{V2}"
    assert page.errors == []


def test_human_ids_open_pages_and_a_miss_offers_links(site: Site) -> None:
    page = site.page()
    goto(site, page, "/nodes/tumour-classifier@production")
    assert path_of(page) == f"/nodes/{V2}"  # the shared URL names the node itself
    page.goto(site.base_url + "/nodes/tumour-clasifier@2")
    page.wait_for_function("() => document.body.dataset.state === 'error'")
    assert page.inner_text("#page-error") == "no node with id 'tumour-clasifier@2'"
    guesses = page.eval_on_selector_all("#did-you-mean a", "as => as.map(a => a.textContent)")
    assert V2 in guesses
    page.click(f"#did-you-mean a:text-is('{V2}')")
    wait_ready(page)
    assert page.inner_text("#node-id") == V2
    assert page.errors == []


def test_search_hit_and_reload_of_the_shared_url(site: Site, tmp_path: Path) -> None:
    with httpx.Client(base_url=site.base_url, timeout=30) as http:
        wait_until_indexed(http, site.headers())
    page = site.page()
    goto(site, page, "/models")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("tumour classifier")
    page.keyboard.press("Enter")
    wait_ready(page)
    assert path_of(page) == "/search?q=tumour+classifier"
    hits = page.eval_on_selector_all("#hits li[data-id]", "lis => lis.map(li => li.dataset.id)")
    assert len(hits) >= 3 and any(h.startswith("model_version:tumour-classifier/") for h in hits)
    assert page.eval_on_selector_all("#hits li.active", "lis => lis.map(li => li.dataset.id)") == [hits[0]]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.eval_on_selector_all("#hits li.active", "lis => lis.map(li => li.dataset.id)") == [hits[1]]
    screenshot(page, tmp_path, "search")
    page.keyboard.press("Enter")
    wait_ready(page)
    assert page.inner_text("#node-id") == hits[1]
    shared = path_of(page)
    assert shared == f"/nodes/{hits[1]}"
    page.reload()
    wait_ready(page)
    assert path_of(page) == shared and page.inner_text("#node-id") == hits[1]
    page.go_back()
    wait_ready(page)
    assert page.eval_on_selector_all("#hits li[data-id]", "lis => lis.map(li => li.dataset.id)") == hits
    assert page.errors == []


def test_search_says_when_nothing_matches_or_nothing_answers_the_question(site: Site) -> None:
    with httpx.Client(base_url=site.base_url, timeout=30) as http:
        wait_until_indexed(http, site.headers())
    page = site.page()
    goto(site, page, "/search?q=xqzzv+blorf")
    assert page.inner_text("#search-note") == "no results for 'xqzzv blorf': nothing in the graph matches it"
    assert page.eval_on_selector_all("#hits li[data-id]", "lis => lis.length") == 0
    # The demo has no hyperparameter sweep: the question is recognised and says it has no answer.
    goto(site, page, "/search?q=which+versions+came+out+of+a+sweep")
    assert page.inner_text("#search-note") == (
        "read as a question about structure ('model versions that came out of a hyperparameter sweep'): "
        "nothing in the graph "
        "answers it; any hits are ranked by words and meaning, not answers")
    assert page.eval_on_selector_all("#hits .hit-answer", "els => els.length") == 0
    assert page.errors == []


def _dataset_version(site: Site) -> str:
    """A dataset version the demo has not flagged (it flags one of its own: modelctx/demo/world.py)."""
    found = site.client.store.find_nodes(NodeKind.DATASET_VERSION, {}, limit=50)
    return min(n.id for n in found if n.properties.get("flagged") is not True)


def test_writer_flags_notes_and_reviews_reader_is_refused(site: Site, tmp_path: Path) -> None:
    target = _dataset_version(site)
    store = site.client.store
    writer = site.page("writer")
    goto(site, writer, f"/nodes/{target}")
    assert "web-writer (writer)" in writer.inner_text("#writer-actions")
    assert writer.locator("#schema tbody tr").count() >= 10  # the schema with column statistics
    writer.fill("#flag-reason", "duplicated rows in the v1 export")
    writer.click("#flag")
    writer.wait_for_selector("#unflag")
    wait_ready(writer)
    assert "⚑ flagged: duplicated rows in the v1 export" in writer.inner_text(".actions")
    node = store.get_node(target)
    assert node.properties["flagged"] is True and node.properties["flagged_by"] == "token:web-writer"
    screenshot(writer, tmp_path, "dataset-version")
    writer.click("#unflag")
    writer.wait_for_selector("#flag")
    assert "flagged" not in store.get_node(target).properties

    writer.click('.tabs a[data-tab="notes"]')
    wait_ready(writer)
    writer.fill("#note-text", "Row 17 repeats row 16: check the exporter.")
    writer.click("#add-note")
    writer.wait_for_selector("#notes")
    assert "Row 17 repeats row 16: check the exporter." in writer.inner_text("#notes")
    notes = [e.source for e in store.get_edges([target], "in") if e.type.value == "ABOUT"]
    assert [store.get_node(n).properties["text"] for n in notes] == ["Row 17 repeats row 16: check the exporter."]

    # a review of the wine classifier's second version, recorded from its page
    goto(site, writer, "/nodes/wine-cultivar@2?tab=reviews")
    assert writer.inner_text("#node-id") == "model_version:wine-cultivar/2"
    writer.select_option("#review-verdict", "changes_requested")
    writer.fill("#review-comment", "Check the staging latency before production.")
    writer.click("#record-review")
    writer.wait_for_function("() => document.querySelectorAll('#reviews li').length === 2")
    wait_ready(writer)
    assert "Check the staging latency before production." in writer.inner_text("#reviews")
    assert approval_of(store, "model_version:wine-cultivar/2").state == "changes_requested"

    head = store.last_seq()
    reader = site.page("reader")
    goto(site, reader, "/nodes/model_version:wine-cultivar/2?tab=reviews")
    reader.fill("#review-comment", "a reader's review")
    reader.click("#record-review")
    reader.wait_for_selector("#action-result.error")
    assert reader.inner_text("#action-result") == "this needs the writer role; the token has reader"
    goto(site, reader, f"/nodes/{target}")
    reader.fill("#flag-reason", "a reader tries")
    reader.click("#flag")
    reader.wait_for_selector("#action-result.error")
    assert reader.inner_text("#action-result") == "this needs the writer role; the token has reader"
    goto(site, reader, f"/nodes/{target}?tab=notes")
    reader.fill("#note-text", "a reader's note")
    reader.click("#add-note")
    reader.wait_for_selector("#action-result.error")
    assert reader.inner_text("#action-result") == "this needs the writer role; the token has reader"
    assert store.last_seq() == head  # nothing was written
    assert writer.errors == [] and reader.errors == []


def test_entity_pages_show_what_matters_for_their_kind(site: Site, tmp_path: Path) -> None:
    store = site.client.store
    page = site.page()
    run = next(n for n in store.find_nodes(NodeKind.RUN, {}, limit=50) if n.title == "tumour random forest")
    goto(site, page, f"/nodes/{run.id}")
    assert page.eval_on_selector_all("#metric-charts svg", "s => s.map(x => x.dataset.metric)") == ["accuracy"]
    screenshot(page, tmp_path, "run")
    report = store.find_nodes(NodeKind.MONITORING_REPORT, {"severity": "critical"}, limit=1)[0]
    goto(site, page, f"/nodes/{report.id}")
    drift = rows(page, "table.drift")
    assert drift[0][:2] == ["mean radius", "critical"] and float(drift[0][2]) > 0.25
    screenshot(page, tmp_path, "monitoring-report")
    # project and code-repo pages are not dead ends: they list what belongs to them
    goto(site, page, "/nodes/project:oncology?tab=related")
    assert "model:tumour-classifier" in page.eval_on_selector_all("#related a", "as => as.map(a => a.title)")
    repo = store.find_nodes(NodeKind.CODE_REPO, {}, limit=1)[0]
    goto(site, page, f"/nodes/{repo.id}?tab=related")
    assert any(t.startswith("commit:") for t in page.eval_on_selector_all("#related a", "as => as.map(a => a.title)"))
    # change history with an as-of view: the version before its alias was set had none
    goto(site, page, f"/nodes/{V2}?tab=history")
    assert page.locator("#history tbody tr").count() >= 2
    first = page.eval_on_selector_all("#as-of option", "os => os.map(o => o.value)")[1]
    page.select_option("#as-of", first)
    wait_ready(page)
    assert "as_of=" in path_of(page) and page.locator("#as-of-facts").count() == 1
    screenshot(page, tmp_path, "history")
    goto(site, page, "/findings")
    findings = rows(page, "#findings")
    assert {"deployed_without_approval", "deployed_after_rejection"} <= {r[1] for r in findings}
    assert page.locator("#findings a", has_text=V3).count() >= 1
    screenshot(page, tmp_path, "findings")
    goto(site, page, "/portfolio")
    totals = page.inner_text("#totals")
    assert "models in production" in totals
    assert page.locator("#no-charts").count() == 1  # the demo's runs span one week: no weekly chart
    # "in production" is the production environment (graph/lineage.py is_in_production): winery's staging is not
    production = page.eval_on_selector_all("table.production tbody tr td:nth-child(3)",
                                           "tds => tds.map(td => td.innerText)")
    assert production == ["production", "production"]
    assert page.locator('section[data-project="winery"] table.production').count() == 0
    screenshot(page, tmp_path, "portfolio")
    assert page.errors == []


def test_layout_holds_at_900_px(site: Site, tmp_path: Path) -> None:
    page = site.page(width=900, height=1000)
    for path in ("/models", f"/nodes/{V2}", "/findings", "/portfolio", f"/lineage/{V2}?direction=both&depth=2"):
        goto(site, page, path)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    graph = page.eval_on_selector("#cy", "e => e.getBoundingClientRect().toJSON()")
    drawer = page.eval_on_selector("#drawer", "e => e.getBoundingClientRect().toJSON()")
    assert graph["width"] >= 850 and graph["height"] >= 400
    assert drawer["top"] >= graph["bottom"] - 1  # the drawer moves below the graph
    screenshot(page, tmp_path, "lineage-900px")
    assert page.errors == []


def test_dark_mode_follows_the_system(site: Site, tmp_path: Path) -> None:
    page = site.page()
    page.emulate_media(color_scheme="dark")
    goto(site, page, "/models")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 20, 27)"  # --bg of the dark palette (static/app.css)
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"
    page.emulate_media(color_scheme="dark")
    screenshot(page, tmp_path, "models-dark")


def test_docs_render_with_no_network(site: Site, tmp_path: Path) -> None:
    page = site.page()
    refused: list[str] = []

    def only_loopback(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_loopback)
    page.goto(site.base_url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert page.inner_text(".swagger-ui .info .title").startswith("modelctx")
    page.wait_for_selector(".opblock-tag-section")
    tags = page.eval_on_selector_all(".opblock-tag", "ts => ts.map(t => t.dataset.tag)")
    assert {"nodes", "lineage", "web"} <= set(tags)
    assert refused == []
    screenshot(page, tmp_path, "docs")
    assert page.errors == []
