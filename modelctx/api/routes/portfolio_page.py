"""The printable portfolio report at ``/portfolio/report``: the JSON figures as tables, with the two plots inline.

The interactive portfolio page is the web app's ``/portfolio`` view (``static/app.js``), which links here."""

from __future__ import annotations

import base64
import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from modelctx.api.deps import Access, read_access

AT_ROOT = True

router = APIRouter(tags=["pages"])

_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 6px;
text-align:left}th{background:#f3f3f3}.bad{color:#b00020;font-weight:bold}img{max-width:48%}"""


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(c if c is not None else ''))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_portfolio_page(data: dict[str, Any]) -> str:
    from modelctx.governance.portfolio import portfolio_plots

    esc = html.escape
    totals = data["totals"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>modelctx portfolio</title>"
             f"<style>{_CSS}</style></head><body><h1>Portfolio</h1>",
             _table(["runs", "compute hours", "models in production", "open findings", "flagged"],
                    [[totals["runs"], totals["compute_hours"], totals["models_in_production"],
                      totals["open_findings"], totals["flagged"]]])]
    for name, png in portfolio_plots(data).items():
        parts.append(f"<img alt='{esc(name)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    for project in data["projects"]:
        parts.append(f"<h2>{esc(project['project'])}</h2>")
        parts.append(f"<p>{project['runs']} runs, {project['compute_hours']} compute hours, "
                     f"<span class='{'bad' if project['open_findings'] else ''}'>"
                     f"{project['open_findings']} open finding(s)</span></p>")
        if project["models_in_production"]:
            parts.append("<h3>Models in production</h3>")
            parts.append(_table(["model version", "deployment", "environment", "review", "latest severity"],
                                [[m["model_version"], m["deployment"], m["environment"], m["review_state"],
                                  m["latest_severity"] or "no report"] for m in project["models_in_production"]]))
        if project["findings"]:
            parts.append("<h3>Open policy findings</h3>")
            parts.append(_table(["rule", "severity", "finding"],
                                [[f["rule"], f["severity"], f["message"]] for f in project["findings"]]))
        if project["flagged"]:
            parts.append("<h3>Flagged data and what depends on it</h3>")
            parts.append(_table(["flagged", "reason", "model versions", "deployments"],
                                [[f["id"], f["reason"], ", ".join(f["dependent_model_versions"]),
                                  ", ".join(f["dependent_deployments"])] for f in project["flagged"]]))
    parts.append("</body></html>")
    return "\n".join(parts)


@router.get("/portfolio/report", response_class=HTMLResponse, include_in_schema=False)
def portfolio_page(access: Annotated[Access, Depends(read_access)]) -> HTMLResponse:
    from modelctx.governance.portfolio import build_portfolio

    return HTMLResponse(render_portfolio_page(build_portfolio(access.store)))
