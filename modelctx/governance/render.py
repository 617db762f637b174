"""Audit report renderers: JSON, Markdown, HTML and PDF from one list of sections.

The report data (``audit.build_report``) is first turned into sections —
a title plus paragraphs, a table or a picture — so the three document formats
show exactly the same facts in the same order.

Rendering stays bounded: tables hold what the report holds (at most its
``max_rows`` per section, and a section that was cut says so), at most
MAX_PLOTS metric plots are drawn, and a ``budget`` (``budget.py``) is checked
between sections — in a PDF by a zero-size flowable between them, so a stopped
budget ends ``doc.build`` too.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modelctx.budget import Budget
from modelctx.errors import ValidationError

FORMATS = ("json", "md", "html", "pdf")
#: Runs whose metric history is plotted (each plot is a matplotlib figure: the slow part of a big report).
MAX_PLOTS = 20


@dataclass(slots=True)
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    images: list[tuple[str, bytes]] = field(default_factory=list)
    alert: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _table(title: str, items: list[dict[str, Any]], columns: list[str], empty: str) -> Section:
    section = Section(title, headers=columns)
    section.rows = [[_text(item.get(c)) for c in columns] for item in items]
    if not items:
        section.paragraphs.append(empty)
    return section


def _people_names(item: dict[str, Any]) -> str:
    return ", ".join(str(p.get("email") or p.get("name")) for p in item.get("people", []))


def _counts(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in by_kind.items())


def _cut(report: dict[str, Any], section: Section, *keys: str) -> None:
    """Say in ``section`` that the report holds only part of it (the keys of ``report["summarised"]``)."""
    summarised = report.get("summarised") or {}
    for key in keys:
        cut = summarised.get(key)
        if cut:
            section.paragraphs.insert(0, f"Showing {cut['shown']} of {cut['total']}: the report's limit is "
                                         f"{report.get('max_rows')} rows per section (MODELCTX_AUDIT_MAX_ROWS).")
            return


def _check(budget: Budget | None, report: dict[str, Any]) -> None:
    if budget is not None:
        budget.check(f"rendering the audit report of {report['subject']['id']}")


def _verification_section(verification: dict[str, Any], checkpoint: dict[str, Any] | None) -> Section:
    """What ``verify`` proved (the chain, the tables), the log's head, and the head as a checkpoint."""
    section = Section("Change-log verification", [verification["summary"]], alert=not verification["ok"])
    head = verification.get("head")
    if head:
        section.paragraphs.append(f"Head of the change log: entry {head['seq']}, hash {head['hash']}")
    if checkpoint:
        section.paragraphs.append(
            "Checkpoint (check the log against it later: modelctx verify --checkpoint FILE, FILE holding this "
            "JSON or the report's JSON form): " + json.dumps(checkpoint, ensure_ascii=False))
    return section


def build_sections(report: dict[str, Any], *, pictures: bool = True, budget: Budget | None = None) -> list[Section]:
    """The report as ordered sections; ``pictures`` adds the lineage diagram and metric plots."""
    subject = report["subject"]
    verification = report["verification"]
    summary = Section("Summary")
    summary.headers = ["field", "value"]
    summary.rows = [
        ["subject", f"{subject['name']} [{subject['id']}]"],
        ["kind", subject["kind"]],
        ["model", _text((subject.get("model") or {}).get("id"))],
        ["project", _text(subject.get("project"))],
        ["owners", _text(subject.get("owners")) or "none recorded"],
        ["people", _text([p.get("email") or p.get("name") for p in subject.get("people", [])])],
        ["as of", report.get("as_of") or "now (live graph)"],
        ["store", report["store"]],
        ["change log entries", str(report["last_seq"])],
        ["generated at", report.get("generated_at", "")],
        ["report digest (sha256)", report["digest"]],
    ]
    summarised = report.get("summarised") or {}
    if summarised:
        summary.rows.append(["summarised sections", ", ".join(
            f"{key} ({cut['shown']} of {cut['total']})" for key, cut in summarised.items())])
    for key, label in (("by_kind", "upstream by kind"), ("downstream_by_kind", "downstream by kind")):
        if summarised and report["lineage"].get(key):
            summary.rows.append([label, _counts(report["lineage"][key])])
    sections = [summary, _verification_section(verification, report.get("checkpoint"))]
    lineage = report["lineage"]
    dataset_columns = ["id", "name", "dataset", "digest", "rows", "roles", "flagged", "flag_reason"]
    if report["report"] == "dataset_version_impact":
        affected = report["impact"]
        sections.append(_table("Impacted model versions", affected["model_versions"], ["id", "name", "flagged"],
                               "No model version depends on this dataset version."))
        _cut(report, sections[-1], "impact.model_versions")
        sections.append(_table("Impacted active deployments", affected["active_deployments"],
                               ["id", "environment", "endpoint", "status", "deployed_at", "model_versions"],
                               "No active deployment depends on this dataset version."))
        _cut(report, sections[-1], "impact.active_deployments")
        sections.append(_table("Upstream datasets", lineage["datasets"], dataset_columns, "No upstream datasets."))
        _cut(report, sections[-1], "lineage.datasets")
        sections.append(_table("Downstream runs", report["runs"], ["id", "name", "status", "started_at", "ended_at"],
                               "No run used this dataset version."))
        _cut(report, sections[-1], "runs")
        diagram_graph, diagram_key = lineage["downstream"], "lineage.downstream.graph"
    else:
        sections.append(_table("Datasets", lineage["datasets"], dataset_columns, "No datasets recorded upstream."))
        _cut(report, sections[-1], "lineage.datasets")
        sections.append(_table("Features", lineage["features"], ["id", "name", "dtype", "transformation"],
                               "No features recorded."))
        _cut(report, sections[-1], "lineage.features")
        sections.append(_table("Code commits", lineage["commits"], ["id", "message", "author", "authored_at"],
                               "No commits recorded."))
        _cut(report, sections[-1], "lineage.commits")
        sections.append(_table("Environments", lineage["environments"], ["id", "python", "image", "packages"],
                               "No environment recorded."))
        _cut(report, sections[-1], "lineage.environments")
        runs = _table("Training runs", report["runs"],
                      ["id", "name", "status", "started_at", "ended_at", "user", "params", "metrics"],
                      "No training run recorded.")
        _cut(report, runs, "runs")
        sections.append(runs)
        reviews = _table("Reviews", [r | {"by": r.get("reviewer") or _people_names(r)} for r in report["reviews"]],
                         ["id", "verdict", "by", "at", "comment"], "No reviews recorded.")
        approval = report.get("approval") or {}
        if approval:
            reviews.paragraphs.insert(0, f"Approval in force: {approval['state']}; {approval['reason']}")
        reviews.alert = not approval.get("approved", False)
        _cut(report, reviews, "reviews")
        sections.append(reviews)
        deployments = report["deployments"]
        sections.append(_table("Deployment history", deployments,
                               ["id", "environment", "endpoint", "status", "deployed_at", "retired_at"],
                               "Never deployed."))
        _cut(report, sections[-1], "deployments")
        monitoring = [m | {"deployment": d["id"]} for d in deployments for m in d["monitoring"]]
        sections.append(_table("Monitoring history", monitoring, ["id", "deployment", "at", "severity", "window"],
                               "No monitoring reports."))
        _cut(report, sections[-1], *(f"deployments.{d['id']}.monitoring" for d in deployments))
        alerts = _table("Open alerts", report["open_alerts"], ["deployment", "report", "severity", "at"],
                        "No open alerts.")
        alerts.alert = bool(report["open_alerts"])
        sections.append(alerts)
        if pictures:
            from modelctx.governance.plots import metric_history_plot

            plotted = [run for run in report["runs"] if run.get("metric_history")]
            for run in plotted[:MAX_PLOTS]:
                _check(budget, report)
                picture = metric_history_plot(run["metric_history"], f"metric history of {run['name']}")
                if picture:
                    runs.images.append((f"Metric history: {run['id']}", picture))
            if len(plotted) > MAX_PLOTS:
                runs.paragraphs.append(f"Metric history plotted for the first {MAX_PLOTS} of {len(plotted)} runs.")
        diagram_graph, diagram_key = lineage["graph"], "lineage.graph"
    findings = report["policy_findings"]
    policy = _table("Policy findings", [f | {"evidence": [f"{e['source']} -{e['type']}-> {e['target']}"
                                                          for e in f["evidence"]]} for f in findings],
                    ["rule", "severity", "message", "evidence"], "No policy findings.")
    policy.alert = bool(findings)
    sections.append(policy)
    if pictures:
        from modelctx.governance.plots import lineage_diagram

        _check(budget, report)
        sections.append(Section("Lineage diagram", images=[("lineage", lineage_diagram(diagram_graph, subject["id"]))]))
        _cut(report, sections[-1], diagram_key)
    _check(budget, report)
    return sections


def render_json(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    return json.dumps(report, indent=2, ensure_ascii=False).encode()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    """Markdown without pictures (they would need files beside it); HTML and PDF carry them."""
    lines = [f"# Audit report: {report['subject']['name']}", ""]
    for section in build_sections(report, pictures=False, budget=budget):
        lines += [f"## {section.title}", ""]
        lines += [("**" + p + "**" if section.alert else p) for p in section.paragraphs]
        if section.rows:
            lines.append("| " + " | ".join(section.headers) + " |")
            lines.append("|" + "---|" * len(section.headers))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
        lines.append("")
    return "\n".join(lines).encode()


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#f3f3f3}.alert{color:#b00020;font-weight:bold}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em}img{max-width:100%}code{font-size:.85em}"""


def render_html(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Audit report: {esc(report['subject']['name'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Audit report: {esc(report['subject']['name'])}</h1>",
    ]
    for section in build_sections(report, budget=budget):
        parts.append(f"<h2>{esc(section.title)}</h2>")
        css = " class='alert'" if section.alert else ""
        parts += [f"<p{css}>{esc(p)}</p>" for p in section.paragraphs]
        if section.rows:
            parts.append("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in section.headers) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in section.rows]
            parts.append("</table>")
        for caption, png in section.images:
            data = base64.b64encode(png).decode()
            parts.append(f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts).encode()


CELL_FONT_SIZE = 7
MAX_CELL_LINES = 8


def _wrap(text: str, width: int) -> str:
    """Wrap a table cell to ``width`` characters, at most MAX_CELL_LINES lines."""
    import textwrap

    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_CELL_LINES:
        lines = lines[: MAX_CELL_LINES - 1] + [lines[MAX_CELL_LINES - 1][: width - 1] + "…"]
    return "\n".join(lines)


def render_pdf(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Flowable, Image, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    class Checkpoint(Flowable):
        """Takes no room; checks the budget when the layout reaches it (between sections)."""

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            _check(budget, report)
            return 0.0, 0.0

        def draw(self) -> None:
            return None

    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5)
    alert = styles["BodyText"].clone("alert", textColor=colors.HexColor("#b00020"), fontName="Helvetica-Bold")
    page_w, page_h = landscape(A4)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=(page_w, page_h), leftMargin=1.5 * cm, rightMargin=1.5 * cm,
                            topMargin=1.5 * cm, bottomMargin=1.5 * cm,
                            title=f"Audit report: {report['subject']['name']}", author="modelctx")
    # Leave room for a picture's caption and the frame's padding.
    usable_w, usable_h = doc.width - 12, doc.height - 40
    esc = html.escape
    story: list[Any] = [Paragraph(esc(f"Audit report: {report['subject']['name']}"), styles["Title"])]
    for section in build_sections(report, budget=budget):
        story.append(Checkpoint())
        story.append(Paragraph(esc(section.title), styles["Heading2"]))
        story += [Paragraph(esc(p), alert if section.alert else styles["BodyText"]) for p in section.paragraphs]
        if section.rows:
            col_w = usable_w / len(section.headers)
            # Plain pre-wrapped strings, not Paragraphs: a Paragraph per cell measures every word and
            # makes a thousand-row table take many seconds; fixed-width wrapping is exact enough here.
            chars = max(8, int(col_w / (CELL_FONT_SIZE * 0.56)))
            data = [section.headers] + [[_wrap(c, chars) for c in row] for row in section.rows]
            table = LongTable(data, repeatRows=1, colWidths=[col_w] * len(section.headers))
            table.setStyle(TableStyle([
                ("FONT", (0, 0), (-1, -1), "Helvetica", CELL_FONT_SIZE, CELL_FONT_SIZE + 1.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", CELL_FONT_SIZE, CELL_FONT_SIZE + 1.5),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]))
            story.append(table)
        for caption, png in section.images:
            picture = Image(io.BytesIO(png))
            scale = min(1.0, usable_w / picture.drawWidth, usable_h / picture.drawHeight)
            picture.drawWidth *= scale
            picture.drawHeight *= scale
            story += [picture, Paragraph(esc(caption), cell)]
        story.append(Spacer(1, 0.3 * cm))
    doc.build(story)
    return buffer.getvalue()


RENDERERS: dict[str, Callable[[dict[str, Any], Budget | None], bytes]] = {
    "json": render_json, "md": render_md, "html": render_html, "pdf": render_pdf,
}

MEDIA_TYPES = {"json": "application/json", "md": "text/markdown; charset=utf-8",
               "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def render_report(report: dict[str, Any], fmt: str, budget: Budget | None = None) -> bytes:
    """The report in one of FORMATS as bytes; ``budget`` is checked between sections (TimeBudgetError)."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValidationError(f"unknown report format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    return renderer(report, budget)
