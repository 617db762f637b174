"""The audit report of the demo's production model, read as an auditor would: the PDF as text and as pictures."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from modelctx.client import Client
from modelctx.demo.world import build_demo_world
from modelctx.governance.audit import build_report
from modelctx.governance.render import build_sections, pdf_table_layout, render_report
from modelctx.governance.short_ids import Ref, node_url, split_refs
from modelctx.search.notes import attach_note
from tests.backends import BackendHarness

FOOTER = re.compile(r"^(modelctx audit report: .*|page \d+)$")
NOTE = "Auditor's note: calibration re-checked on the v2 hold-out; fine."


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


#: One demo world per backend for this module: the reports are plain data, and a world takes seconds to build.
_AUDITED: dict[str, tuple[dict[str, Any], bytes]] = {}
#: The audit of the wine model trained on the flagged first export, per backend.
_FLAGGED: dict[str, dict[str, Any]] = {}


@pytest.fixture
def audited(backend: BackendHarness, request: pytest.FixtureRequest) -> tuple[dict[str, Any], bytes]:
    if backend.name not in _AUDITED:
        client: Client = request.getfixturevalue("client")
        world = build_demo_world(client)
        attach_note(client.store, world.focus_version, NOTE, actor="user:auditor")  # a minute before the report
        report = build_report(client.store, world.focus_version)
        _AUDITED[backend.name] = (report, render_report(report, "pdf"))
        _FLAGGED[backend.name] = build_report(client.store, "model_version:wine-cultivar/1")
    return _AUDITED[backend.name]


def test_the_audit_of_a_model_trained_on_flagged_data_says_so(
    audited: tuple[dict[str, Any], bytes], backend: BackendHarness,
) -> None:
    from modelctx.demo.world import WINE_V1_FLAG

    report = _FLAGGED[backend.name]
    [dataset] = report["lineage"]["datasets"]
    assert dataset["flagged"] is True and dataset["flag_reason"] == WINE_V1_FLAG
    assert report["executive"]["flagged_inputs"] == [{
        "id": dataset["id"], "name": "wine@1", "kind": "dataset_version", "reason": WINE_V1_FLAG,
        "flagged_by": "user:ada"}]  # the client fixture's actor built the world
    assert report["executive"]["findings_by_severity"] == {"high": 1}
    assert report["approval"]["state"] == "rejected" and report["approval"]["by"] == "Alan Turing"
    assert report["executive"]["deployments"] == []
    markdown = render_report(report, "md").decode()
    assert f"FLAGGED: {WINE_V1_FLAG}" in markdown
    assert "trained\\_on" not in markdown and "trained_on_flagged_data" in markdown


def page_lines(pdf: bytes) -> list[list[str]]:
    """Each page's text lines, the running footer left out."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines = [line.strip() for line in page.extract_text().splitlines()]
        pages.append([line for line in lines if line and not FOOTER.match(line)])
    return pages


def test_pdf_names_every_location_and_reviewer_and_leads_with_the_versions_facts(
    audited: tuple[dict[str, Any], bytes],
) -> None:
    report, pdf = audited
    pages = page_lines(pdf)
    text = squash("".join("".join(p) for p in pages))
    datasets = report["lineage"]["datasets"]
    assert [d["name"] for d in datasets] == ["breast-cancer@2"]
    for dataset in datasets:
        assert dataset["location"].startswith("file://") and dataset["location"].endswith("breast-cancer_v2.csv")
        assert squash(dataset["location"]) in text
        assert dataset["rows"] == 569 and dataset["schema"]["columns"] == 31
    reviewers = {r["reviewer"] for r in report["reviews"]}
    assert reviewers == {"Grace Hopper"}
    assert all(squash(name) in text for name in reviewers)

    first = squash("".join(pages[0]))
    facts = report["subject"]["facts"]
    assert facts["digest"].startswith("sha256:") and squash(facts["digest"]) in first
    assert facts["metrics"] == {"accuracy": pytest.approx(facts["metrics"]["accuracy"])}
    assert f"accuracy={facts['metrics']['accuracy']:.4g}" in first
    assert squash("approved — approved by Grace Hopper") in first
    assert squash(f"hash {report['verification']['head']['hash']}") in first  # the chain's head, whole
    assert "owners" in first and "katherine@example.com" in first

    [alert] = report["open_alerts"]  # the shifted production traffic: dated, like its monitoring report
    latest = report["deployments"][-1]["monitoring"][-1]
    assert alert["severity"] == "critical" and alert["at"] == latest["at"] and alert["at"] is not None
    assert [d["feature"] for d in latest["drift"] if d["severity"] == "critical"] == [
        "mean radius", "worst area", "mean concavity"]

    assert squash(NOTE) in text
    for title in ("Modelcard", "Intendeduse", "limitations", "evaluationdata", "Driftperfeature", "meanradius",
                  "Notes,insightsandoverrides", "Appendix:fullidentifiersanddigests"):
        assert title.lower() in text.lower(), title


def test_no_id_cell_is_taller_than_three_lines_and_no_heading_ends_a_page(
    audited: tuple[dict[str, Any], bytes],
) -> None:
    report, pdf = audited
    sections = build_sections(report)
    checked = 0
    for section in sections:
        if not section.rows:
            continue
        _widths, data = pdf_table_layout(section, 770.0)
        for row, wrapped in zip(section.rows, data[1:], strict=True):
            for cell, shown in zip(row, wrapped, strict=True):
                if any(isinstance(p, Ref) for p in split_refs(str(cell))) and len(str(cell)) < 200:
                    checked += 1
                    assert shown.count("\n") < 3, (section.title, shown)
    assert checked > 20
    titles = {s.title for s in sections} | {f"Audit report: {report['subject']['name']}"}
    pages = page_lines(pdf)
    assert len(pages) >= 4
    for number, lines in enumerate(pages, 1):
        assert lines and lines[-1] not in titles, (number, lines[-1])


def test_pdf_pictures_fit_their_pages(audited: tuple[dict[str, Any], bytes]) -> None:
    """Rendered to images: nothing runs into the right margin, and the lineage diagram fills its page."""
    pdfium = pytest.importorskip("pypdfium2")
    _report, pdf = audited
    document = pdfium.PdfDocument(pdf)
    diagram_pages = [i for i, lines in enumerate(page_lines(pdf)) if lines and lines[0] == "Lineage diagram"]
    assert len(diagram_pages) == 1
    for index in range(len(document)):
        image = document[index].render(scale=1).to_pil().convert("L")
        width, height = image.size
        margin = image.crop((width - int(width * 0.045), 0, width, height))  # inside the 1.5 cm right margin
        assert margin.getextrema()[0] > 200, f"page {index + 1}: something runs into the right margin"
        if index in diagram_pages:
            ink = image.point(lambda v: 255 if v < 200 else 0).getbbox()
            assert ink is not None
            left, top, right, bottom = ink
            assert (right - left) > 0.8 * width and (bottom - top) > 0.75 * height, ink


def test_html_links_ids_to_node_pages_and_markdown_tables_are_whole(
    audited: tuple[dict[str, Any], bytes],
) -> None:
    report, _pdf = audited
    page = render_report(report, "html").decode()
    version = report["subject"]["id"]
    assert node_url(version) == "/nodes/model_version%3Atumour-classifier%2F2"
    assert f"<a href='{node_url(version)}' title='{version}'>" in page
    dataset = report["lineage"]["datasets"][0]["id"]
    assert f"href='{node_url(dataset)}' title='{dataset}'><code>{dataset[:len('dataset_version:breast-cancer/')]}" \
           in page
    assert page.count("<div class='scroll'><table>") == page.count("<table>") > 10
    assert "table-layout:fixed" in page

    markdown = render_report(report, "md").decode()
    assert f"`{dataset[:len('dataset_version:breast-cancer/') + 10]}…`" in markdown
    assert f"| {dataset[:len('dataset_version:breast-cancer/') + 10]}… | {dataset} |" in markdown  # appendix
    header_cells = 0
    for line in markdown.splitlines():
        if not line.startswith("|"):
            header_cells = 0
            continue
        cells = len(re.findall(r"(?<!\\)\|", line)) - 1
        if header_cells == 0:
            header_cells = cells
        assert cells == header_cells, line
    assert "## Model card" in markdown and "Intended use" not in markdown.split("## Model card")[0]


def test_html_tables_stay_within_the_page_in_chromium(audited: tuple[dict[str, Any], bytes]) -> None:
    """In a real browser at a laptop's width, no table is wider than the page and ids are links."""
    from pathlib import Path

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"{chromium} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    report, _pdf = audited
    page_html = render_report(report, "html").decode()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium),
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 800})
            page.set_content(page_html)
            widths = page.evaluate("""() => ({
                page: document.documentElement.scrollWidth, view: window.innerWidth,
                tables: [...document.querySelectorAll('.scroll')].map(d => [d.scrollWidth, d.clientWidth]),
                links: [...document.querySelectorAll('a[href^="/nodes/"]')].map(a => a.getAttribute('href')),
            })""")
        finally:
            browser.close()
    assert widths["page"] <= widths["view"], widths["page"]
    assert len(widths["tables"]) > 10
    assert all(scroll <= client for scroll, client in widths["tables"]), widths["tables"]
    assert node_url(report["subject"]["id"]) in widths["links"]
    assert node_url(report["lineage"]["datasets"][0]["id"]) in widths["links"]
