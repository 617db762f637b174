"""The demo world, made by the real lifecycle: files, tracked runs, reviews, deployments, monitoring.

Nothing here writes graph records by hand. Datasets are scikit-learn's bundled
ones written to CSV in several versions and ingested by the dataset
ingestor; models are trained through tracked runs over a small git repository
made with the git CLI; reviews come from a reviews file through the reviews
ingestor; deployments go through the serving gate; production traffic is
predicted by the model service itself and monitored by the monitoring module.

The world holds up to an audit: every model has an owner who is not its
reviewer, every review is dated after the version it reviews and before its
deployment, and ``modelctx policy check`` reports only the violations it means
to show (docs/guide/governance.md, "The demo world's findings"): the candidate
deployed to the sandbox with a governance override after changes were
requested, and the wine model trained on the flagged first wine export.
Building twice does not duplicate anything: a finished world is recognised
by a marker on its main project and returned as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind

if TYPE_CHECKING:
    from modelctx.client import Client

#: Bump when the world's shape changes; an older world is then left alone, not mixed with a new one.
DEMO_VERSION = 2
MARKER_PROJECT = "oncology"

Say = Callable[[str], None]


@dataclass(slots=True)
class DemoWorld:
    """What the demo built (or found already built)."""

    focus_deployment: str
    focus_version: str
    deployments: list[str] = field(default_factory=list)
    model_versions: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    built: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"focus_deployment": self.focus_deployment, "focus_version": self.focus_version,
                "deployments": self.deployments, "model_versions": self.model_versions,
                "reports": self.reports, "built": self.built}


def existing_world(client: Client) -> DemoWorld | None:
    """The world a previous build left, recognised by the marker on its main project."""
    project_id = node_id(NodeKind.PROJECT, MARKER_PROJECT)
    project = client.store.get_nodes([project_id]).get(project_id)
    marker = project.properties.get("demo_world") if project else None
    if not isinstance(marker, dict) or marker.get("version") != DEMO_VERSION:
        return None
    return DemoWorld(str(marker["focus_deployment"]), str(marker["focus_version"]),
                     list(marker.get("deployments", [])), list(marker.get("model_versions", [])),
                     list(marker.get("reports", [])), built=False)


# -- files ------------------------------------------------------------------------


def _frame(loader: str) -> Any:
    from sklearn import datasets

    bunch = getattr(datasets, loader)(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    return frame


def write_dataset_versions(folder: Path) -> dict[str, list[Path]]:
    """Several versions of three bundled datasets as CSV files (v1 older and smaller, v2 the full set)."""
    versions: dict[str, list[Path]] = {}
    for name, loader in (("breast-cancer", "load_breast_cancer"), ("wine", "load_wine"),
                         ("diabetes", "load_diabetes")):
        frame = _frame(loader)
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        # the first wine export duplicated rows: the reason its model is rejected in review
        first = _with_duplicates(frame) if name == "wine" else frame.sample(frac=0.7, random_state=11).sort_index()
        paths = [target / f"{name}_v1.csv", target / f"{name}_v2.csv"]
        first.to_csv(paths[0], index=False)
        frame.to_csv(paths[1], index=False)
        versions[name] = paths
    return versions


def _with_duplicates(frame: Any) -> Any:
    import pandas as pd

    base = frame.sample(frac=0.6, random_state=3)
    return pd.concat([base, base.head(40)]).reset_index(drop=True)


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True)


def make_code_repo(folder: Path) -> Path | None:
    """A small repository holding the training code, so runs point at a real commit."""
    if shutil.which("git") is None:
        return None
    if (folder / ".git").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    _git(folder, "init", "-q", "-b", "main")
    (folder / "train.py").write_text(
        '"""Train the demo models (run by modelctx demo)."""\n\nFEATURES = "all numeric columns"\n')
    _git(folder, "add", "train.py")
    _git(folder, "commit", "-q", "-m", "Add training script for tabular models")
    (folder / "README.md").write_text("# demo models\n\nTraining code for the modelctx demo world.\n")
    _git(folder, "add", "README.md")
    _git(folder, "commit", "-q", "-m", "Document how the demo models are trained")
    return folder


# -- the world ----------------------------------------------------------------------


def _train(client: Client, *, project: str, name: str, model: str, data: Path, dataset: str, target: str,
           estimator: Any, params: dict[str, Any], code: Path | None, note: str, aliases: tuple[str, ...] = (),
           metric: str = "accuracy") -> Node:
    """One tracked run that trains ``estimator`` on ``data`` and logs it as a new version of ``model``."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import train_test_split

    from modelctx.search.notes import attach_note
    from modelctx.training.datasets import read_dataset
    from modelctx.training.tracking import TrackedRun

    frame = read_dataset(str(data))
    x, y = frame.drop(columns=[target]), frame[target]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    with TrackedRun(client, project=project, name=name, code_path=code, description=note) as run:
        run.use(data, role="training", name=dataset)
        run.log_params({"estimator": type(estimator).__name__, **params, "test_size": 0.25})
        run.set_tags({"team": project, "demo": True})
        if hasattr(estimator, "set_params") and "n_estimators" in estimator.get_params():
            steps = int(estimator.get_params()["n_estimators"])
            for stage in range(10, steps + 1, 10):  # a learning curve, so runs have metric histories
                estimator.set_params(n_estimators=stage, warm_start=True)
                estimator.fit(x_train, y_train)
                run.log_metric(metric, float(get_scorer(metric)(estimator, x_test, y_test)), step=stage)
        else:
            estimator.fit(x_train, y_train)
            run.log_metric(metric, float(get_scorer(metric)(estimator, x_test, y_test)))
        run.note(note)
        version = run.log_model(estimator, model, aliases=list(aliases), description=note, owner=OWNERS[model])
    attach_note(client.store, version.id, f"Evaluation data: a 25% hold-out of {data.name} ({len(x_test)} of "
                f"{len(frame)} rows, random_state 0), not used in training; {metric} measured on it.",
                actor=client.actor)
    return version


#: Who answers for each model (its ``owner``): never one of its reviewers, so no approval is a self-approval.
OWNERS = {"tumour-classifier": "katherine@example.com", "wine-cultivar": "ada@example.com",
          "diabetes-progression": "katherine@example.com"}

#: The reviews, each dated when the demo records it: after the version it reviews was made, before it is
#: deployed (``reviewed_at`` is added by build_demo_world; a fixed date would precede the versions).
REVIEWS: list[dict[str, Any]] = [
    {"model": "tumour-classifier", "version": 1, "reviewer": "Grace Hopper", "reviewer_email": "grace@example.com",
     "verdict": "approved",
     "comment": "Baseline logistic regression is well calibrated; recall on malignant cases is acceptable.",
     "checklist": {"fairness": True, "calibration": True, "data_leakage": True}},
    {"model": "tumour-classifier", "version": 2, "reviewer": "Grace Hopper", "reviewer_email": "grace@example.com",
     "verdict": "approved",
     "comment": "Random forest on the full v2 export beats the baseline on recall; approved for production.",
     "checklist": {"fairness": True, "calibration": True, "data_leakage": True}},
    {"model": "tumour-classifier", "version": 3, "reviewer": "Alan Turing", "reviewer_email": "alan@example.com",
     "verdict": "changes_requested",
     "comment": "Worried about overfitting: gradient boosting reaches perfect training accuracy and we have no "
                "external validation cohort. Please add a held-out hospital before this goes anywhere near "
                "patients."},
    {"model": "wine-cultivar", "version": 1, "reviewer": "Alan Turing", "reviewer_email": "alan@example.com",
     "verdict": "rejected",
     "comment": "Rejected: the v1 wine export contains duplicated rows, so the test accuracy is inflated by "
                "leakage between train and test."},
    {"model": "wine-cultivar", "version": 2, "reviewer": "Grace Hopper", "reviewer_email": "grace@example.com",
     "verdict": "approved",
     "comment": "Retrained on the deduplicated v2 export; accuracy holds up. Approved for staging."},
    {"model": "diabetes-progression", "version": 1, "reviewer": "Grace Hopper",
     "reviewer_email": "grace@example.com", "verdict": "approved",
     "comment": "Ridge regression is simple and explainable; error is in line with the literature."},
]

DESCRIPTIONS = {
    "breast-cancer": "Breast cancer Wisconsin diagnostic data: 30 cell-nucleus measurements per biopsy, "
                     "target 1 = benign. v1 was an early partial export, v2 the full one.",
    "wine": "Chemical analysis of wines from three cultivars. v1 export has duplicated rows; v2 is deduplicated.",
    "diabetes": "Diabetes progression one year after baseline, ten standardised clinical measurements.",
}
PROJECTS = {"breast-cancer": "oncology", "wine": "winery", "diabetes": "oncology"}

#: Why the first wine export is flagged: the violation the demo means to show with trained_on_flagged_data.
WINE_V1_FLAG = "duplicated rows: 40 rows appear twice, so train and test overlap"

#: What a model card shows (``modelctx/governance/model_card.py`` reads notes that start with these headings);
#: each version's evaluation data is noted when it is trained (``_train``).
MODEL_CARD_NOTES: dict[str, list[str]] = {
    "tumour-classifier": [
        "Intended use: decision support for pathologists triaging breast biopsies; every prediction is "
        "reviewed by a pathologist before it reaches a patient record.",
        "Limitations: trained on one hospital's Wisconsin diagnostic data; not validated on other scanners or "
        "populations. Not for use without a pathologist's review.",
    ],
    "diabetes-progression": [
        "Intended use: research estimate of disease progression one year after baseline; not for treatment "
        "decisions.",
        "Limitations: 442 patients from one study; features are standardised, so new data must be scaled "
        "the same way.",
    ],
}


def build_demo_world(client: Client, *, say: Say | None = None) -> DemoWorld:
    """Build the demo world into ``client``'s store (or return the one already there)."""
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from modelctx.governance.flags import flag_node
    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
    from modelctx.ingest.records import RecordsConfig, RecordsIngestor
    from modelctx.ingest.runner import run_ingest
    from modelctx.monitoring.report import monitor_deployment
    from modelctx.search.notes import attach_note
    from modelctx.serving.server import open_service
    from modelctx.times import format_iso, now

    found = existing_world(client)
    if found is not None:
        return found
    tell = say or (lambda _text: None)
    root = client.data_dir / "demo-data"
    tell(f"writing dataset versions under {root}")
    files = write_dataset_versions(root / "datasets")
    code = make_code_repo(root / "code")
    for name, paths in files.items():
        run_ingest(client.store, DatasetIngestor(DatasetConfig(
            path=paths[0].parent, name=name, description=DESCRIPTIONS[name], project=PROJECTS[name]),
            client.store), actor=client.actor)

    tell("training models through tracked runs")
    bc, wine, diabetes = files["breast-cancer"], files["wine"], files["diabetes"]
    versions = [
        _train(client, project="oncology", name="tumour logreg baseline", model="tumour-classifier", data=bc[0],
               dataset="breast-cancer", target="target", code=code, params={"C": 1.0},
               estimator=make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
               note="Baseline logistic regression on the partial v1 export; standardised features."),
        _train(client, project="oncology", name="tumour random forest", model="tumour-classifier", data=bc[1],
               dataset="breast-cancer", target="target", code=code, params={"n_estimators": 100, "max_depth": 6},
               estimator=RandomForestClassifier(n_estimators=100, max_depth=6, random_state=0),
               note="Random forest on the full v2 export; better recall on malignant tumours.",
               aliases=("production",)),
        _train(client, project="oncology", name="tumour gradient boosting", model="tumour-classifier", data=bc[1],
               dataset="breast-cancer", target="target", code=code, params={"n_estimators": 200},
               estimator=GradientBoostingClassifier(n_estimators=200, random_state=0),
               note="Gradient boosting experiment; training accuracy is suspiciously perfect.",
               aliases=("candidate",)),
        _train(client, project="winery", name="wine on v1 export", model="wine-cultivar", data=wine[0],
               dataset="wine", target="target", code=code, params={"n_estimators": 50},
               estimator=RandomForestClassifier(n_estimators=50, random_state=0),
               note="First wine cultivar classifier, trained on the v1 export."),
        _train(client, project="winery", name="wine on deduplicated v2", model="wine-cultivar", data=wine[1],
               dataset="wine", target="target", code=code, params={"n_estimators": 50},
               estimator=RandomForestClassifier(n_estimators=50, random_state=0),
               note="Wine classifier retrained on the deduplicated v2 export.", aliases=("staging",)),
        _train(client, project="oncology", name="diabetes ridge", model="diabetes-progression", data=diabetes[1],
               dataset="diabetes", target="target", code=code, params={"alpha": 1.0},
               estimator=Ridge(alpha=1.0), note="Ridge regression of disease progression.", metric="r2",
               aliases=("production",)),
    ]

    tell("recording model cards and reviews")
    for version in versions:
        for text in MODEL_CARD_NOTES.get(str(version.properties["model"]), []):
            attach_note(client.store, version.id, text, actor=client.actor)
    reviews_file = root / "reviews.yaml"
    reviewed_at = format_iso(now())  # after every version above was made
    reviews_file.write_text(yaml.safe_dump([{**r, "reviewed_at": reviewed_at} for r in REVIEWS], sort_keys=False))
    reviews = RecordsIngestor(RecordsConfig(path=reviews_file, kind="reviews"), client.store)
    run_ingest(client.store, reviews, actor=client.actor)  # type: ignore[arg-type]  # its name is a Literal

    wine_v1 = _dataset_version_of(client, files["wine"][0])
    if wine_v1 is not None:
        flag_node(client.store, wine_v1, WINE_V1_FLAG, actor=client.actor)

    tell("deploying approved versions through the serving gate")
    frames = {"breast-cancer": _frame("load_breast_cancer"), "diabetes": _frame("load_diabetes")}
    old = open_service(client, "tumour-classifier@1", endpoint="https://models.example.com/tumour/v1",
                       environment="production")
    old.predict(_rows(frames["breast-cancer"], 50, seed=1))
    old.close(retire=True)
    focus = open_service(client, "tumour-classifier@production", endpoint="https://models.example.com/tumour",
                         environment="production")
    served = frames["breast-cancer"].sample(n=250, random_state=5)
    shifted = _rows(served, 250, seed=5, scale={"mean radius": 1.35, "worst area": 1.7, "mean concavity": 2.0})
    outputs = focus.predict(shifted)
    for output, (_, label) in zip(outputs[:120], served.head(120).iterrows(), strict=False):
        focus.label(output["id"], int(label["target"]))
    focus.close(retire=False)
    wine_service = open_service(client, "wine-cultivar@staging", endpoint="https://staging.example.com/wine",
                                environment="staging")
    wine_service.close(retire=False)
    sandbox = open_service(client, "tumour-classifier@candidate", endpoint="http://127.0.0.1:8199/predict",
                           environment="sandbox",
                           override_reason="Load test of the candidate in the sandbox cluster; no patient traffic.")
    sandbox.close(retire=True)
    diabetes_service = open_service(client, "diabetes-progression@production",
                                    endpoint="https://models.example.com/diabetes", environment="production")
    diabetes_frame = frames["diabetes"].sample(n=200, random_state=2)
    for output, (_, row) in zip(diabetes_service.predict(_rows(diabetes_frame, 200, seed=2)),
                                diabetes_frame.iterrows(), strict=True):
        diabetes_service.label(output["id"], float(row["target"]))
    diabetes_service.close(retire=False)

    tell("monitoring production deployments")
    reports = [monitor_deployment(client, focus.deployment.id, window="all").report.id,
               monitor_deployment(client, diabetes_service.deployment.id, window="all").report.id]
    world = DemoWorld(
        focus.deployment.id, focus.version.id,
        [s.deployment.id for s in (old, focus, wine_service, sandbox, diabetes_service)],
        [v.id for v in versions], reports,
    )
    marker = {"version": DEMO_VERSION, **{k: v for k, v in world.to_json().items() if k != "built"}}
    client.store.write([Node(node_id(NodeKind.PROJECT, MARKER_PROJECT), NodeKind.PROJECT,
                             {"name": MARKER_PROJECT, "demo_world": marker})], (), actor=client.actor)
    return world


def _dataset_version_of(client: Client, path: Path) -> str | None:
    """The id of the dataset version the dataset ingestor recorded for the file at ``path``."""
    found = client.store.find_nodes(NodeKind.DATASET_VERSION, {"uri": path.resolve().as_uri()}, limit=1)
    return found[0].id if found else None


def _rows(frame: Any, n: int, *, seed: int, scale: dict[str, float] | None = None) -> list[dict[str, Any]]:
    sample = frame.sample(n=min(n, len(frame)), random_state=seed) if len(frame) != n else frame
    rows = []
    for _, record in sample.iterrows():
        row = {str(k): float(v) for k, v in record.items() if k != "target"}
        for name, factor in (scale or {}).items():
            row[name] *= factor
        rows.append(row)
    return rows
