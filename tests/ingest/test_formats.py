"""The documented formats: examples validate, and errors name file, record, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.ingest.formats import SCHEMA_NAMES, load_document, load_validated, validate_document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formats"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_documented_examples_follow_their_schema(name: str) -> None:
    doc = load_validated(DOCS / f"{name}.example.yaml", name)
    assert doc.data  # the example is not empty


def test_yaml_timestamps_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("- when: 2024-05-02T09:30:00Z\n  day: 2024-05-02\n")
    assert load_document(path).data == [{"when": "2024-05-02T09:30:00Z", "day": "2024-05-02"}]


def test_schema_error_names_record_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "reviews.yaml"
    path.write_text(
        "- {model: m, version: 1, reviewer: a, verdict: approved, reviewed_at: '2024-01-01', comment: ok}\n"
        "- model: m\n"
        "  version: 1\n"
        "  reviewer: a\n"
        "  verdict: ok\n"
        "  reviewed_at: 2024-01-01\n"
        "  comment: fine\n"
    )
    with pytest.raises(IngestError, match=r"reviews\.yaml, record 1 \(line 2\), field 'verdict': 'ok' is not one of"):
        load_validated(path, "reviews")


def test_missing_and_unknown_fields_are_named(tmp_path: Path) -> None:
    path = tmp_path / "deployments.json"
    path.write_text('[\n  {"model": "m", "version": 1, "environment": "prod", "endpoint": "e",\n'
                    '   "deployed_at": "2024-01-01T00:00:00Z"}\n]\n')
    with pytest.raises(IngestError, match=r"record 0 \(line 2\), field 'deployed_by': missing required field"):
        load_validated(path, "deployments")
    path.write_text('[{"model": "m", "version": 1, "environment": "prod", "endpoint": "e", "deployed_by": "x",'
                    ' "deployed_at": "2024-01-01T00:00:00Z", "colour": "red"}]')
    with pytest.raises(IngestError, match=r"record 0 \(line 1\).*'colour' was unexpected"):
        load_validated(path, "deployments")


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "features.yaml"
    bad_yaml.write_text("features:\n  - name: a\n    dtype: [unclosed\n")
    with pytest.raises(IngestError, match=r"features\.yaml: line \d+, column \d+: invalid YAML"):
        load_document(bad_yaml)
    bad_json = tmp_path / "reviews.json"
    bad_json.write_text('[\n {"model": "m",,}\n]')
    with pytest.raises(IngestError, match=r"reviews\.json: line 2, column \d+: invalid JSON"):
        load_document(bad_json)


def test_wrong_top_level_shape(tmp_path: Path) -> None:
    path = tmp_path / "reviews.yaml"
    path.write_text("model: m\n")
    doc = load_document(path)
    with pytest.raises(IngestError, match=r"reviews\.yaml.*is not of type 'array'"):
        validate_document(doc, "reviews")
