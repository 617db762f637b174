"""``modelctx train CONFIG.yaml``: train a scikit-learn pipeline from a config, tracked like any run.

The config names only data and scikit-learn pieces; everything it produces
goes through :class:`~modelctx.training.tracking.TrackedRun`, so a run trained
from the command line and one trained in a notebook leave the same lineage.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from modelctx.errors import ConfigError, ValidationError
from modelctx.graph.model import Node

if TYPE_CHECKING:
    from modelctx.client import Client


class EstimatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    class_: str = Field(alias="class",
                        description="A scikit-learn class path, e.g. sklearn.ensemble.RandomForestClassifier.")
    params: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments of the class.")


class SplitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    test_size: float = Field(default=0.25, gt=0, lt=1, description="Share of rows held out for metrics.")
    random_state: int = Field(default=0, description="Seed of the split.")
    stratify: bool = Field(default=False, description="Keep class shares equal in both parts (classification).")


class TrainConfig(BaseModel):
    """A training config file (YAML)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, description="Model name: the new version is <model>/<n>.")
    dataset: Path = Field(description="Training data file (CSV, TSV, Parquet, JSON lines), relative to the config.")
    dataset_name: str | None = Field(default=None, description="Dataset name in the graph (default: the file's stem).")
    target: str = Field(min_length=1, description="Target column.")
    features: list[str] | None = Field(
        default=None, description="Feature columns (default: all but the target); must be numbers unless "
                                   "preprocessing encodes text, so list them when the file also holds dates or text.")
    estimator: EstimatorConfig = Field(description="The final estimator.")
    preprocessing: list[EstimatorConfig | str] = Field(
        default_factory=list, description="Transformers applied before the estimator, in order.")
    split: SplitConfig = Field(default_factory=SplitConfig, description="Train/test split.")
    metrics: list[str] = Field(default_factory=lambda: ["accuracy"],
                               description="scikit-learn scorer names (accuracy, f1, roc_auc, r2 ...).")
    project: str | None = Field(default=None, description="Project of the run and model.")
    name: str | None = Field(default=None, description="Run name (default: 'train <model>').")
    description: str | None = Field(default=None,
                                    description="Why this run exists; on the run and model version, searchable.")
    aliases: list[str] = Field(default_factory=list, description="Aliases to point at the new version.")


#: Transformers that turn text columns into numbers: with one of them in ``preprocessing`` text features are allowed.
TEXT_ENCODERS = frozenset({"sklearn.preprocessing.OneHotEncoder", "sklearn.preprocessing.OrdinalEncoder",
                           "sklearn.preprocessing.TargetEncoder"})


def config_keys() -> list[tuple[str, str]]:
    """Every config key with its description, for ``train --help`` (the model is the one list of keys)."""
    return [(field.alias or name, field.description or "") for name, field in TrainConfig.model_fields.items()]


def check_feature_types(config: TrainConfig, frame: Any, features: list[str]) -> None:
    """Refuse, before any run starts, a feature column the pipeline cannot turn into numbers.

    Without an encoder in ``preprocessing`` every feature must be numeric or boolean;
    a date or text column would otherwise fail deep inside ``fit`` as a FAILED run.
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    steps = [s if isinstance(s, str) else s.class_ for s in config.preprocessing]
    if TEXT_ENCODERS.intersection(steps):
        return
    for column in features:
        dtype = frame[column].dtype
        if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype)):
            raise ValidationError(
                f"{config.dataset}: feature column {column!r} holds text or dates, not numbers, which the estimator "
                "cannot use; list the numeric columns under 'features:' in the config (or add an encoder to "
                "'preprocessing:')")


@dataclass(frozen=True, slots=True)
class TrainResult:
    run_id: str
    model_version: Node
    metrics: dict[str, float]


def load_train_config(path: Path) -> TrainConfig:
    """Parse and validate a config; errors name the file and the field."""
    from modelctx.ingest.formats import load_yaml, read_text

    text = read_text(path, error=ValidationError, read_error=ConfigError)
    data = load_yaml(text, str(path), error=ValidationError)
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: a training config is a mapping of settings")
    try:
        config = TrainConfig.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationError(f"{path}: field {where!r}: {first['msg']}") from None
    if not config.dataset.is_absolute():
        config.dataset = (path.parent / config.dataset).resolve()
    return config


def sklearn_class(path: str) -> Any:
    """Import a scikit-learn class by dotted path; only sklearn.* is allowed (configs are data, not code)."""
    module_name, _, class_name = path.rpartition(".")
    if not module_name.startswith("sklearn.") or not class_name:
        raise ValidationError(f"estimator class {path!r}: must be a scikit-learn class path like "
                              "sklearn.linear_model.LogisticRegression")
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise ValidationError(f"estimator class {path!r}: not found in scikit-learn") from None


def _build(step: EstimatorConfig | str) -> Any:
    if isinstance(step, str):
        return sklearn_class(step)()
    try:
        return sklearn_class(step.class_)(**step.params)
    except TypeError as exc:
        raise ValidationError(f"estimator {step.class_}: bad params: {exc}") from None


def train_from_config(client: Client, config: TrainConfig) -> TrainResult:
    """Split, fit, score and log the model through a tracked run.

    Everything that can refuse the input — the data file's bytes (profiled by the dataset
    ingestor's strict reader), its columns, the estimator paths and params, the metric names — is
    checked before the run starts, so a refused input writes nothing; run.use() below reuses the
    file's description.
    """
    from modelctx.training.datasets import describe_file, read_dataset
    from modelctx.training.tracking import TrackedRun

    describe_file(config.dataset, name=config.dataset_name, lookup=client.store, project=config.project)
    frame = read_dataset(str(config.dataset))
    if config.target not in frame.columns:
        raise ValidationError(f"{config.dataset}: no target column {config.target!r}; "
                              f"columns: {', '.join(map(str, frame.columns[:20]))}")
    features = config.features or [str(c) for c in frame.columns if c != config.target]
    unknown = [f for f in features if f not in frame.columns]
    if unknown:
        raise ValidationError(f"{config.dataset}: feature column(s) not in the file: {', '.join(unknown)}")
    check_feature_types(config, frame, features)
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    x, y = frame[features], frame[config.target]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=config.split.test_size, random_state=config.split.random_state,
        stratify=y if config.split.stratify else None)
    pipeline = make_pipeline(*[_build(s) for s in config.preprocessing], _build(config.estimator))
    scorers = {}
    for metric in config.metrics:
        try:
            scorers[metric] = get_scorer(metric)
        except ValueError:
            raise ValidationError(f"metric {metric!r}: not a scikit-learn scorer name") from None
    with TrackedRun(client, project=config.project, name=config.name or f"train {config.model}",
                    description=config.description) as run:
        run.use(config.dataset, role="training", name=config.dataset_name)
        run.log_params({"estimator": config.estimator.class_, **config.estimator.params,
                        "test_size": config.split.test_size, "random_state": config.split.random_state,
                        "features": len(features), "target": config.target})
        pipeline.fit(x_train, y_train)
        scores = {metric: float(scorer(pipeline, x_test, y_test)) for metric, scorer in scorers.items()}
        run.log_metrics(scores)
        version = run.log_model(pipeline, config.model, signature=features, aliases=config.aliases,
                                description=config.description)
    return TrainResult(run.id, version, scores)
