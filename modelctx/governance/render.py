"""Audit report renderers: JSON, Markdown, HTML and PDF from one list of sections.

The report data (``audit.build_report``) is turned into sections by
``modelctx/governance/sections.py``; this module draws them, so the formats
show exactly the same facts in the same order. Long ids and digests are shown
short (``modelctx/governance/short_ids.py``); HTML links node ids to the web app.

Rendering stays bounded: tables hold what the report holds, and a ``budget``
(``budget.py``) is checked between sections — in a PDF by a zero-size
flowable between them, so a stopped budget ends ``doc.build`` too.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from typing import Any

from modelctx.budget import Budget
from modelctx.errors import ValidationError
from modelctx.governance.sections import Section, Verbatim, build_sections, check_budget
from modelctx.governance.short_ids import Ref, node_url, shorten, split_refs

__all__ = ["FORMATS", "MEDIA_TYPES", "Section", "build_sections", "pdf_table_layout", "render_report"]

FORMATS = ("json", "md", "html", "pdf")


def render_json(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    return json.dumps(report, indent=2, ensure_ascii=False).encode()


def _shown(text: str, verbatim: bool) -> tuple[str | Ref, ...]:
    """Text split into plain parts and refs; verbatim text is one plain part."""
    return (str(text),) if verbatim or isinstance(text, Verbatim) else split_refs(str(text))


def _md_text(text: str, verbatim: bool = False) -> str:
    """Markdown for text in a cell or paragraph: shortened refs as code spans, pipes and ``<`` escaped.

    Underscores stay as they are: GitHub-flavoured Markdown reads them inside words literally (model_version).
    """
    out = []
    for part in _shown(text, verbatim):
        if isinstance(part, Ref) and part.shortened:
            out.append(f"`{part.short}`")
        else:
            out.append(str(part.full if isinstance(part, Ref) else part).replace("|", "\\|").replace("<", "&lt;"))
    return "".join(out).replace("\n", "<br>")


def render_md(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    """GitHub-flavoured Markdown without pictures (they would need files beside it); HTML and PDF carry them."""
    lines = [f"# Audit report: {_md_text(report['subject']['name'])}", ""]
    for section in build_sections(report, pictures=False, budget=budget):
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            text = _md_text(paragraph, section.verbatim)
            lines += [f"**{text}**" if section.alert else text, ""]
        if section.rows:
            lines.append("| " + " | ".join(section.headers) + " |")
            lines.append("|" + " --- |" * len(section.headers))
            lines += ["| " + " | ".join(_md_text(c, section.verbatim) or " " for c in row) + " |"
                      for row in section.rows]
            lines.append("")
    return "\n".join(lines).encode()


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
.scroll{overflow-x:auto;margin:.5em 0 1.5em}
table{border-collapse:collapse;font-size:.85em;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f3f3}.alert{color:#b00020;font-weight:bold}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em}img{max-width:100%;height:auto}code{font-size:.92em}
a code{color:#0645ad}"""


def _html_text(text: str, verbatim: bool = False) -> str:
    """HTML for text: node ids link to the web app's node page (short form, full id as the title)."""
    esc = html.escape
    out = []
    for part in _shown(text, verbatim):
        if isinstance(part, Ref) and part.is_node:
            out.append(f"<a href='{esc(node_url(part.full))}' title='{esc(part.full)}'>"
                       f"<code>{esc(part.short)}</code></a>")
        elif isinstance(part, Ref):
            out.append(f"<code title='{esc(part.full)}'>{esc(part.short)}</code>")
        else:
            out.append(esc(part))
    return "".join(out).replace("\n", "<br>")


def render_html(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Audit report: {esc(report['subject']['name'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>Audit report: {esc(report['subject']['name'])}</h1>",
    ]
    for section in build_sections(report, budget=budget):
        parts.append(f"<h2>{esc(section.title)}</h2>")
        css = " class='alert'" if section.alert else ""
        parts += [f"<p{css}>{_html_text(p, section.verbatim)}</p>" for p in section.paragraphs]
        if section.rows:
            weights = section.widths or [1.0] * len(section.headers)
            total = sum(weights)
            parts.append("<div class='scroll'><table><colgroup>" + "".join(
                f"<col style='width:{100 * w / total:.1f}%'>" for w in weights) + "</colgroup><tr>"
                + "".join(f"<th>{esc(h)}</th>" for h in section.headers) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{_html_text(c, section.verbatim)}</td>" for c in row) + "</tr>"
                      for row in section.rows]
            parts.append("</table></div>")
        for caption, png in section.images:
            data = base64.b64encode(png).decode()
            parts.append(f"<figure><img alt='{esc(caption)}' src='data:image/png;base64,{data}'>"
                         f"<figcaption>{esc(caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts).encode()


CELL_FONT_SIZE = 7
#: Lines a cell may take; longer text is cut with an ellipsis (ids and digests, shown short, take at most three).
MAX_CELL_LINES = 12
#: Average width of a Helvetica character, in ems, for wrapping (digits and lower case are about 0.5–0.56).
CHAR_EM = 0.55
PAGE_MARGIN_CM = 1.5


def _wrap(text: str, width: int) -> str:
    """Wrap a table cell to ``width`` characters (its own line breaks kept), at most MAX_CELL_LINES lines."""
    import textwrap

    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_CELL_LINES:
        lines = lines[: MAX_CELL_LINES - 1] + [lines[MAX_CELL_LINES - 1][: width - 1] + "…"]
    return "\n".join(lines)


def pdf_table_layout(section: Section, usable_width: float) -> tuple[list[float], list[list[str]]]:
    """Column widths (points) and the wrapped cells (short forms) of ``section``'s table, as the PDF draws them.

    Plain pre-wrapped strings, not Paragraphs: a Paragraph per cell measures every word and makes a
    thousand-row table take many seconds; fixed-width wrapping is exact enough here.
    """
    weights = section.widths or [1.0] * len(section.headers)
    total = sum(weights)
    widths = [usable_width * w / total for w in weights]
    chars = [max(6, int((w - 6) / (CELL_FONT_SIZE * CHAR_EM))) for w in widths]
    rows = [[_wrap(cell if section.verbatim or isinstance(cell, Verbatim) else shorten(cell), chars[i])
             for i, cell in enumerate(row)] for row in section.rows]
    return widths, [list(section.headers), *rows]


def render_pdf(report: dict[str, Any], budget: Budget | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Flowable,
        Image,
        LongTable,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    class Checkpoint(Flowable):
        """Takes no room; checks the budget when the layout reaches it (between sections)."""

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            check_budget(budget, report)
            return 0.0, 0.0

        def draw(self) -> None:
            return None

    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=CELL_FONT_SIZE, leading=CELL_FONT_SIZE + 1.5)
    body = styles["BodyText"].clone("body", fontSize=9, leading=11.5)
    alert = body.clone("alert", textColor=colors.HexColor("#b00020"), fontName="Helvetica-Bold")
    # A heading never ends a page: it is kept with what follows it.
    heading = styles["Heading2"].clone("heading", keepWithNext=1, spaceBefore=8, spaceAfter=4)
    page_w, page_h = landscape(A4)
    buffer = io.BytesIO()
    name = report["subject"]["name"]
    doc = SimpleDocTemplate(buffer, pagesize=(page_w, page_h), leftMargin=PAGE_MARGIN_CM * cm,
                            rightMargin=PAGE_MARGIN_CM * cm, topMargin=PAGE_MARGIN_CM * cm,
                            bottomMargin=PAGE_MARGIN_CM * cm, title=f"Audit report: {name}", author="modelctx")
    # Leave room for a picture's caption and the frame's padding.
    usable_w, usable_h = doc.width - 12, doc.height - 40

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(PAGE_MARGIN_CM * cm, 0.8 * cm, f"modelctx audit report: {name}")
        canvas.drawRightString(page_w - PAGE_MARGIN_CM * cm, 0.8 * cm, f"page {document.page}")
        canvas.restoreState()

    esc = html.escape
    story: list[Any] = [Paragraph(esc(f"Audit report: {name}"), styles["Title"])]
    for section in build_sections(report, budget=budget):
        story.append(Checkpoint())
        if section.full_page:
            story.append(PageBreak())
        story.append(Paragraph(esc(section.title), heading))
        style = alert if section.alert else body
        story += [Paragraph(esc(p if section.verbatim or isinstance(p, Verbatim) else shorten(p)), style)
                  for p in section.paragraphs]
        if section.rows:
            widths, data = pdf_table_layout(section, usable_w)
            table = LongTable(data, repeatRows=1, colWidths=widths)
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
            room_h = usable_h - (40 if section.full_page else 0)  # the heading above a page-sized picture
            scale = min(usable_w / picture.drawWidth, room_h / picture.drawHeight)
            if not section.full_page:
                scale = min(scale, 1.0)
            picture.drawWidth *= scale
            picture.drawHeight *= scale
            story += [picture, Paragraph(esc(shorten(caption)), cell)]
        story.append(PageBreak() if section.full_page else Spacer(1, 0.3 * cm))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
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
