"""What an audit report shows, in what order: the report data as titled sections, the same for every format.

``audit.build_report`` collects the data; this module decides its reading
order (executive summary, model facts, model card, the evidence, the
appendix) and turns it into :class:`Section` objects — a title plus
paragraphs, a table or pictures — which ``modelctx/governance/render.py``
draws as Markdown, HTML or PDF, so every format shows the same facts in the
same order. Ids and digests stay whole here; each renderer shows them short
(``modelctx/governance/short_ids.py``), and the appendix lists them whole.

Bounded: tables hold what the report holds (at most its ``max_rows`` per
section, and a section that was cut says so), at most MAX_PLOTS metric plots
are drawn, and a ``budget`` (``budget.py``) is checked between pictures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from modelctx.budget import Budget
from modelctx.governance.short_ids import refs_in

#: Runs whose metric history is plotted (each plot is a matplotlib figure: the slow part of a big report).
MAX_PLOTS = 20


@dataclass(slots=True)
class Section:
    """A titled block: paragraphs, a table (with relative column ``widths``) and pictures.

    Text shows ids and digests short (``modelctx/governance/short_ids.py``) unless the section is ``verbatim`` (the
    appendix) or the text is a :class:`Verbatim`.
    """

    title: str
    paragraphs: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    images: list[tuple[str, bytes]] = field(default_factory=list)
    alert: bool = False
    widths: list[float] = field(default_factory=list)
    verbatim: bool = False
    #: A picture that gets its own page, fitted to it (the lineage diagram).
    full_page: bool = False


class Verbatim(str):
    """Text shown as it is, ids and digests in full (the artifact digest, the chain's head, the checkpoint)."""

    __slots__ = ()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _table(title: str, items: list[dict[str, Any]], columns: list[str], empty: str,
           widths: list[float] | None = None) -> Section:
    section = Section(title, headers=columns, widths=list(widths or []))
    section.rows = [[_text(item.get(c)) for c in columns] for item in items]
    if not items:
        section.paragraphs.append(empty)
    return section


def _fields(title: str, pairs: list[tuple[str, Any]]) -> Section:
    """A two-column field/value table; values that are empty are left out."""
    rows = [[name, value if isinstance(value, Verbatim) else _text(value)] for name, value in pairs
            if value not in (None, "", [], {})]
    return Section(title, headers=["field", "value"], rows=rows, widths=[1, 6])


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


def check_budget(budget: Budget | None, report: dict[str, Any]) -> None:
    """Raise TimeBudgetError when ``budget`` ran out or was stopped while rendering ``report``."""
    if budget is not None:
        budget.check(f"rendering the audit report of {report['subject']['id']}")


def _verification_section(verification: dict[str, Any], checkpoint: dict[str, Any] | None) -> Section:
    """What ``verify`` proved (the chain, the tables), the log's head, and the head as a checkpoint."""
    section = Section("Change-log verification", [verification["summary"]], alert=not verification["ok"])
    head = verification.get("head")
    if head:
        section.paragraphs.append(Verbatim(f"Head of the change log: entry {head['seq']}, hash {head['hash']}"))
    if checkpoint:
        section.paragraphs.append(Verbatim(
            "Checkpoint (check the log against it later: modelctx verify --checkpoint FILE, FILE holding this "
            "JSON or the report's JSON form): " + json.dumps(checkpoint, ensure_ascii=False)))
    return section


def _when(value: Any) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM:SSZ`` (one line in a cell); other values as they are."""
    from modelctx.times import read_stored

    moment = read_stored(value) if isinstance(value, str) else None
    if moment is None:
        return _text(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _approval_line(approval: dict[str, Any]) -> str:
    if not approval:
        return ""
    verdicts = "; ".join(f"{v['verdict']} by {v['by']} at {_when(v['at'])}" for v in approval.get("verdicts", []))
    return f"{approval['state']} — {approval['reason']}" + (f" (verdicts: {verdicts})" if verdicts else "")


def _executive_section(report: dict[str, Any]) -> Section:
    """The first thing an auditor reads: approval, deployments against it, findings, drift, flags, the chain."""
    subject, executive = report["subject"], report["executive"]
    facts = subject.get("facts") or {}
    verification = report["verification"]
    head = verification.get("head") or {}
    deployments = [
        f"{d['environment']}{' (production)' if d['production'] else ''}: {d['deployment']} deployed "
        f"{_when(d['deployed_at'])}, {'active' if d['active'] else 'retired ' + _when(d.get('retired_at'))}; "
        f"approval when deployed: {d['approval_when_deployed']}"
        + (f" ({d['approved_by']})" if d.get("approved_by") else "")
        + (f"; governance override: {d['override']}" if d.get("override") else "")
        for d in executive["deployments"]]
    findings = executive["findings_by_severity"]
    drift = [f"{d['severity']} on {d['deployment']} at {_when(d['at'])}"
             + (f": drift in {', '.join(d['drifted_features'])}" if d["drifted_features"] else ": no drift")
             for d in executive["drift"]]
    flagged = [f"{f['id']}: {f['reason'] or 'no reason given'}" for f in executive["flagged_inputs"]]
    section = _fields("Executive summary", [
        ("model version", f"{subject['name']} ({subject['id']})"),
        ("artifact digest", Verbatim(str(facts["digest"])) if facts.get("digest") else "none recorded"),
        ("metrics", facts.get("metrics") or "none recorded"),
        ("owners", subject.get("owners") or "none recorded"),
        ("approval", _approval_line(report.get("approval") or {})),
        ("deployments vs approval", "\n".join(deployments) or "never deployed"),
        ("policy findings", ", ".join(f"{severity} {count}" for severity, count in findings.items()) or "none"),
        ("drift", "\n".join(drift) or "no monitoring of an active deployment"),
        ("flagged inputs", "\n".join(flagged) or "none"),
        ("chain verification", verification["summary"]),
        ("head of the change log", Verbatim(f"entry {head.get('seq')}, hash {head.get('hash')}") if head else ""),
        ("report digest (sha256)", Verbatim(report["digest"])),
    ])
    section.alert = bool(findings) or not verification["ok"]
    return section


def _facts_section(report: dict[str, Any]) -> Section:
    subject = report["subject"]
    facts = subject.get("facts") or {}
    model = subject.get("model") or {}
    return _fields("Model facts", [
        ("model", f"{model.get('name')} ({model.get('id')})" if model else None),
        ("version", facts.get("version")),
        ("description", facts.get("description") or model.get("description")),
        ("framework", facts.get("framework")),
        ("estimator", facts.get("estimator")),
        ("aliases", facts.get("aliases") or "none"),
        ("metrics", facts.get("metrics")),
        ("artifact", facts.get("artifact_uri")),
        ("artifact format and size", " ".join(_text(facts.get(k)) for k in ("artifact_format", "artifact_size")
                                              if facts.get(k) is not None) + (" bytes" if facts.get("artifact_size")
                                                                               else "")),
        ("digest", facts.get("digest")),
        ("created", f"{_when(facts.get('created_at'))} by {facts.get('created_by') or '?'}"
         if facts.get("created_at") else None),
        ("project", subject.get("project") or "none recorded"),
        ("owners", subject.get("owners") or "none recorded"),
        ("people", [p.get("email") or p.get("name") for p in subject.get("people", [])]),
        ("as of", report.get("as_of") or "now (live graph)"),
        ("store", report["store"]),
        ("change log entries", str(report["last_seq"])),
        ("generated at", report.get("generated_at", "")),
    ])


CARD_TITLES = {"intended_use": "intended use", "limitations": "limitations", "evaluation_data": "evaluation data"}


def _model_card_section(report: dict[str, Any]) -> Section:
    card = report.get("model_card") or {}
    section = Section("Model card", headers=["entry", "recorded", "source"], widths=[1, 5, 1.6])
    for key, title in CARD_TITLES.items():
        for item in card.get(key, []):
            section.rows.append([title, item["text"], item["source"]])
    missing = [CARD_TITLES[m] for m in card.get("missing", [])]
    if missing:
        section.paragraphs.append(f"Not recorded: {', '.join(missing)} (a property of that name on the version "
                                  f"or model, or a note starting \"{CARD_TITLES[card['missing'][0]].capitalize()}:\").")
    return section


def _dataset_rows(datasets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for d in datasets:
        schema = d.get("schema") or {}
        names = schema.get("names") or []
        more = schema.get("columns", 0) - len(names)
        out.append(d | {
            "dataset version": f"{d.get('name')} ({d['id']})",
            "schema": (f"{schema['columns']} columns: {', '.join(names)}" + (f", +{more} more" if more > 0 else ""))
            if schema else "",
            "flags": f"FLAGGED: {d.get('flag_reason') or 'no reason given'}" if d.get("flagged") else "",
        })
    return out


DATASET_COLUMNS = ["dataset version", "location", "digest", "rows", "schema", "producer", "roles", "flags"]
DATASET_WIDTHS = [2.2, 3.2, 1.5, 0.6, 3.0, 1.4, 0.8, 1.3]


def _drift_section(deployments: list[dict[str, Any]]) -> Section:
    """Per feature drift of the newest report of each deployment: the drifted features, then a count of the rest."""
    section = Section("Drift per feature", headers=["deployment", "report time", "feature", "severity", "PSI",
                                                    "KS statistic", "reference mean", "current mean"],
                      widths=[2.2, 1.4, 1.6, 0.8, 0.7, 0.8, 1, 1])
    for deployment in deployments:
        if not deployment["monitoring"]:
            continue
        latest = deployment["monitoring"][-1]
        drift = latest.get("drift")
        if not isinstance(drift, list):
            continue
        shown = [d for d in drift if d.get("severity") not in (None, "ok")]
        for item in shown:
            section.rows.append([deployment["id"], _when(latest.get("at")), _text(item.get("feature")),
                                 _text(item.get("severity")), _text(item.get("psi")), _text(item.get("ks_statistic")),
                                 _text(item.get("reference_mean")), _text(item.get("current_mean"))])
        if len(drift) > len(shown):
            section.paragraphs.append(f"{deployment['id']}: {len(drift) - len(shown)} other feature(s) within "
                                      f"bounds in {latest['id']}.")
    if not section.rows and not section.paragraphs:
        section.paragraphs.append("No drift measured.")
    return section


def _appendix(sections: list[Section]) -> Section:
    """Every id and digest the body shows short, in full (each once, in order of appearance)."""
    seen: dict[str, str] = {}
    for section in sections:
        if section.verbatim:
            continue
        texts = [p for p in section.paragraphs if not isinstance(p, Verbatim)]
        texts += [c for row in section.rows for c in row if not isinstance(c, Verbatim)]
        for text in texts:
            for ref in refs_in(text):
                seen.setdefault(ref.full, ref.short)
    appendix = Section("Appendix: full identifiers and digests", headers=["short form", "full"],
                       rows=[[short, full] for full, short in seen.items()], widths=[1, 3.2], verbatim=True)
    appendix.paragraphs.append("The body shows long ids and digests by their first characters; here they are whole."
                               if seen else "Every id and digest is shown whole in the body.")
    return appendix


def build_sections(report: dict[str, Any], *, pictures: bool = True, budget: Budget | None = None) -> list[Section]:
    """The report as ordered sections; ``pictures`` adds the lineage diagram and metric plots."""
    if report["report"] == "dataset_version_impact":
        sections = _impact_sections(report, pictures, budget)
    else:
        sections = _audit_sections(report, pictures, budget)
    sections.append(_appendix(sections))
    check_budget(budget, report)
    return sections


def _summarised_pairs(report: dict[str, Any]) -> list[tuple[str, Any]]:
    summarised = report.get("summarised") or {}
    pairs: list[tuple[str, Any]] = []
    if summarised:
        pairs.append(("summarised sections", ", ".join(
            f"{key} ({cut['shown']} of {cut['total']})" for key, cut in summarised.items())))
        for key, label in (("by_kind", "upstream by kind"), ("downstream_by_kind", "downstream by kind")):
            if report["lineage"].get(key):
                pairs.append((label, _counts(report["lineage"][key])))
    return pairs


def _audit_sections(report: dict[str, Any], pictures: bool, budget: Budget | None) -> list[Section]:
    lineage = report["lineage"]
    executive = _executive_section(report)
    executive.rows += [[k, _text(v)] for k, v in _summarised_pairs(report)]
    sections = [executive, _facts_section(report), _model_card_section(report)]

    data = _table("Data", _dataset_rows(lineage["datasets"]), DATASET_COLUMNS, "No datasets recorded upstream.",
                  DATASET_WIDTHS)
    data.alert = any(d.get("flagged") for d in lineage["datasets"])
    _cut(report, data, "lineage.datasets")
    sections.append(data)
    if lineage["features"]:
        sections.append(_table("Features", lineage["features"], ["id", "name", "dtype", "transformation"],
                               "No features recorded.", [2, 1.5, 0.8, 3]))
        _cut(report, sections[-1], "lineage.features")
    commits = [c | {"dirty": {True: "yes: uncommitted changes", False: "no"}.get(c.get("dirty"), "not recorded"),
                    "authored": _when(c.get("authored_at"))}
               for c in lineage["commits"]]
    sections.append(_table("Code", commits, ["id", "repo", "message", "author", "authored", "dirty"],
                           "No commits recorded.", [1.6, 2.6, 2.6, 1.2, 1.3, 1]))
    _cut(report, sections[-1], "lineage.commits")
    environments = [e | {"key packages": e.get("key_packages") or {},
                         "all packages": e.get("packages")} for e in lineage["environments"]]
    sections.append(_table("Environment", environments, ["id", "python", "platform", "key packages", "all packages"],
                           "No environment recorded.", [1.8, 0.6, 1.8, 4, 0.6]))
    _cut(report, sections[-1], "lineage.environments")
    runs = _table("Training runs", [r | {"started": _when(r.get("started_at")), "ended": _when(r.get("ended_at"))}
                                    for r in report["runs"]],
                  ["id", "name", "status", "started", "ended", "user", "params", "metrics"],
                  "No training run recorded.", [1.6, 1.4, 0.8, 1.3, 1.3, 0.8, 2.2, 1.6])
    _cut(report, runs, "runs")
    sections.append(runs)
    sections.append(_evaluation_section(report))
    reviews = _table("Reviews", [r | {"by": r.get("reviewer") or _people_names(r), "when": _when(r.get("at"))}
                                 for r in report["reviews"]],
                     ["id", "verdict", "by", "when", "comment"], "No reviews recorded.", [1.5, 1, 1.1, 1.3, 5])
    approval = report.get("approval") or {}
    if approval:
        reviews.paragraphs.insert(0, f"Approval in force: {approval['state']}; {approval['reason']}")
    reviews.alert = not approval.get("approved", False)
    _cut(report, reviews, "reviews")
    sections.append(reviews)
    deployments = report["deployments"]
    timeline = [d | {"deployed": _when(d.get("deployed_at")), "retired": _when(d.get("retired_at")),
                     "state": "active" if d["active"] else "retired",
                     "override": (d.get("governance_override") or {}).get("reason")} for d in deployments]
    sections.append(_table("Deployments (timeline)", timeline,
                           ["deployed", "retired", "id", "environment", "state", "endpoint", "override"],
                           "Never deployed.", [1.3, 1.3, 2.2, 0.9, 0.7, 2.2, 2.2]))
    _cut(report, sections[-1], "deployments")
    monitoring = [m | {"deployment": d["id"], "when": _when(m.get("at")),
                       "drifted features": m.get("drifted_features") or "none",
                       "performance": m.get("performance")} for d in deployments for m in d["monitoring"]]
    sections.append(_table("Monitoring", monitoring,
                           ["when", "id", "deployment", "severity", "predictions", "drifted features", "performance"],
                           "No monitoring reports.", [1.3, 2.2, 2, 0.7, 0.7, 2, 2.2]))
    _cut(report, sections[-1], *(f"deployments.{d['id']}.monitoring" for d in deployments))
    sections.append(_drift_section(deployments))
    alerts = _table("Open alerts", [a | {"when": _when(a.get("at"))} for a in report["open_alerts"]],
                    ["deployment", "report", "severity", "when"], "No open alerts.", [2, 2.5, 1, 1])
    alerts.alert = bool(report["open_alerts"])
    sections.append(alerts)
    sections.append(_notes_section(report))
    if pictures:
        from modelctx.governance.plots import metric_history_plot

        plotted = [run for run in report["runs"] if run.get("metric_history")]
        for run in plotted[:MAX_PLOTS]:
            check_budget(budget, report)
            picture = metric_history_plot(run["metric_history"], f"metric history of {run['name']}")
            if picture:
                runs.images.append((f"Metric history: {run['id']}", picture))
        if len(plotted) > MAX_PLOTS:
            runs.paragraphs.append(f"Metric history plotted for the first {MAX_PLOTS} of {len(plotted)} runs.")
    sections.append(_policy_section(report))
    sections.append(_verification_section(report["verification"], report.get("checkpoint")))
    if pictures:
        sections.append(_diagram_section(report, lineage["graph"], "lineage.graph", budget))
    return sections


def _evaluation_section(report: dict[str, Any]) -> Section:
    """How the version was evaluated: its metrics, the recorded evaluation data, and measured performance live."""
    facts = report["subject"].get("facts") or {}
    evaluation = [item["text"] for item in (report.get("model_card") or {}).get("evaluation_data", [])]
    live = [f"{d['id']} at {_when(m.get('at'))}: {_text(m['performance'])}"
            for d in report["deployments"] for m in d["monitoring"] if isinstance(m.get("performance"), dict)]
    return _fields("Evaluation", [
        ("metrics at training", facts.get("metrics") or "none recorded"),
        ("evaluation data", "\n".join(evaluation) or "not recorded"),
        ("performance in production", "\n".join(live) or "no labelled predictions monitored"),
    ])


def _notes_section(report: dict[str, Any]) -> Section:
    notes = [n | {"when": _when(n.get("at")), "kind": "governance override" if n.get("category") ==
                  "governance_override" else "note"} for n in report.get("notes", [])]
    section = _table("Notes, insights and overrides", notes, ["when", "kind", "author", "about", "text"],
                     "No notes recorded.", [1.3, 1, 0.9, 2.2, 5])
    for override in report.get("overrides", []):
        section.paragraphs.append(
            f"Governance override: {override.get('actor')} deployed to {override.get('environment')} "
            f"({override['deployment']}) at {_when(override.get('at'))} although the gate refused: "
            f"{override.get('refused_because')}. Reason given: {str(override.get('reason')).rstrip('.')}.")
    section.alert = bool(report.get("overrides"))
    _cut(report, section, "notes")
    return section


def _policy_section(report: dict[str, Any]) -> Section:
    findings = report["policy_findings"]
    policy = _table("Policy findings", [f | {"evidence": [f"{e['source']} -{e['type']}-> {e['target']}"
                                                          for e in f["evidence"]]} for f in findings],
                    ["rule", "severity", "message", "evidence"], "No policy findings.", [1.2, 0.7, 4.5, 3])
    policy.alert = bool(findings)
    return policy


def _diagram_section(report: dict[str, Any], graph: dict[str, Any], key: str, budget: Budget | None) -> Section:
    from modelctx.governance.plots import lineage_diagram

    check_budget(budget, report)
    section = Section("Lineage diagram", images=[(
        "Lineage, left to right: each arrow goes from an input to what used or came from it, labelled with the "
        "recorded edge type.", lineage_diagram(graph, report["subject"]["id"]))], full_page=True)
    _cut(report, section, key)
    return section


def _impact_sections(report: dict[str, Any], pictures: bool, budget: Budget | None) -> list[Section]:
    subject = report["subject"]
    lineage = report["lineage"]
    props = subject.get("properties") or {}
    affected = report["impact"]
    summary = _fields("Executive summary", [
        ("dataset version", f"{subject['name']} ({subject['id']})"),
        ("location", props.get("uri") or props.get("path")),
        ("digest", Verbatim(str(props["digest"])) if props.get("digest") else None),
        ("rows", props.get("rows")),
        ("flag", f"FLAGGED: {props.get('flag_reason')}" if props.get("flagged") is True else "not flagged"),
        ("project", subject.get("project") or "none recorded"),
        ("owners", subject.get("owners") or "none recorded"),
        ("impacted model versions", len(affected["model_versions"])),
        ("impacted active deployments", len(affected["active_deployments"])),
        ("policy findings", len(report["policy_findings"]) or "none"),
        ("chain verification", report["verification"]["summary"]),
        ("as of", report.get("as_of") or "now (live graph)"),
        ("store", report["store"]),
        ("generated at", report.get("generated_at", "")),
        ("report digest (sha256)", Verbatim(report["digest"])),
        *_summarised_pairs(report),
    ])
    sections = [summary]
    sections.append(_table("Impacted model versions", affected["model_versions"], ["id", "name", "flagged"],
                           "No model version depends on this dataset version."))
    _cut(report, sections[-1], "impact.model_versions")
    sections.append(_table("Impacted active deployments", affected["active_deployments"],
                           ["id", "environment", "endpoint", "status", "deployed_at", "model_versions"],
                           "No active deployment depends on this dataset version."))
    _cut(report, sections[-1], "impact.active_deployments")
    sections.append(_table("Upstream data", _dataset_rows(lineage["datasets"]), DATASET_COLUMNS,
                           "No upstream datasets.", DATASET_WIDTHS))
    _cut(report, sections[-1], "lineage.datasets")
    sections.append(_table("Downstream runs", report["runs"], ["id", "name", "status", "started_at", "ended_at"],
                           "No run used this dataset version."))
    _cut(report, sections[-1], "runs")
    sections.append(_policy_section(report))
    sections.append(_verification_section(report["verification"], report.get("checkpoint")))
    if pictures:
        sections.append(_diagram_section(report, lineage["downstream"], "lineage.downstream.graph", budget))
    return sections
