"""The reading rules of ``modelctx/ingest/formats.py``: text encodings and bounded YAML and JSON.

Data files are refused or read in a named encoding, never typed ``binary``;
every YAML reader in the package (documents, policy rules, the people file,
training configs) takes the same alias, depth and size limits.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from modelctx.errors import IngestError, ValidationError
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest import dataset as dataset_module
from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
from modelctx.ingest.formats import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    TextCheck,
    load_document,
    load_json,
    load_yaml,
    read_text,
)
from modelctx.ingest.runner import run_ingest


def ingest(store: GraphStore, path: Path, name: str, encoding: str | None = None) -> None:
    run_ingest(store, DatasetIngestor(DatasetConfig(path=path, name=name, encoding=encoding), store))


def only_version(store: GraphStore, name: str) -> dict:
    [version] = store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": name})
    return dict(version.properties)


LATIN = "city,note\nParis,caf\u00e9\nK\u00f6ln,stra\u00dfe\n"


def test_a_latin1_csv_is_refused_naming_the_byte_then_read_with_its_encoding(
    store: GraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "cities.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    with pytest.raises(IngestError) as refused:
        ingest(store, path, "cities")
    assert str(refused.value) == (
        f"dataset: {path}: byte 19 (line 2): 0xe9 is not UTF-8 text; convert it to UTF-8 (from Latin-1, for "
        "example: iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8) or pass its encoding with --encoding (for example "
        "--encoding latin-1)")
    assert store.last_seq() == 0
    ingest(store, path, "cities", encoding="latin-1")
    props = only_version(store, "cities")
    assert props["columns"] == [{"name": "city", "dtype": "string"}, {"name": "note", "dtype": "string"}]
    assert {v["value"] for v in props["column_stats"]["note"]["top_values"]} == {"caf\u00e9", "stra\u00dfe"}
    assert props["digest"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()  # the bytes on disk
    assert props["encoding"] == "iso8859-1"


@pytest.mark.parametrize(("suffix", "encoded", "encoding"), [
    ("csv", LATIN.encode("utf-8-sig"), None),  # a UTF-8 byte-order mark
    ("csv", LATIN.encode("utf-16"), None),  # a UTF-16 byte-order mark names the encoding
    ("tsv", LATIN.replace(",", "\t").encode("utf-32"), None),
    ("csv", LATIN.replace("caf\u00e9", "5 \u20ac").encode("cp1252"), "cp1252"),
    ("jsonl", '{"city": "Paris", "note": "caf\u00e9"}\n{"city": "K\u00f6ln"}\n'.encode("utf-8-sig"), None),
    ("jsonl", '{"city": "K\u00f6ln", "note": "stra\u00dfe"}\n'.encode("latin-1"), "latin-1"),
    ("jsonl", '\ufeff{"city": "K\u00f6ln", "note": "stra\u00dfe"}\n'.encode("utf-16-le"), None),
])
def test_text_is_read_in_the_encoding_its_mark_or_option_names(
    store: GraphStore, tmp_path: Path, suffix: str, encoded: bytes, encoding: str | None
) -> None:
    path = tmp_path / f"cities.{suffix}"
    path.write_bytes(encoded)
    ingest(store, path, "cities", encoding)
    props = only_version(store, "cities")
    assert {c["name"]: c["dtype"] for c in props["columns"]}["city"] == "string"
    assert "K\u00f6ln" in {v["value"] for v in props["column_stats"]["city"]["top_values"]}


def test_an_undecodable_byte_past_the_first_block_is_found_with_its_offset_and_line(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset_module, "BLOCK_SIZE", 4096)
    rows = "".join(f"{i},row {i}\n" for i in range(2000))
    head = ("a,b\n" + rows).encode()
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"".join(b'{"a": %d}\n' % i for i in range(2000)) + b'{"a": "\xff"}\n')
    with pytest.raises(IngestError, match=rf"long\.jsonl: byte {path.stat().st_size - 4} \(line 2001\): 0xff is not"):
        ingest(store, path, "long")
    csv = tmp_path / "long.csv"
    csv.write_bytes(head + "9999,caf\u00e9\n".encode("utf-8") + b"10000,\xe9\n")
    offset = len(head) + len("9999,caf\u00e9\n".encode()) + len(b"10000,")
    with pytest.raises(IngestError, match=rf"long\.csv: byte {offset} \(line 2003\): 0xe9 is not UTF-8"):
        ingest(store, csv, "long")
    assert store.last_seq() == 0


def test_a_character_split_between_blocks_is_text_and_a_broken_one_is_not() -> None:
    check = TextCheck("f.csv", "utf-8")
    euro = "\u20ac".encode()
    assert check.feed(b"ab" + euro[:1]) + check.feed(euro[1:] + b"\n") == "ab\u20ac\n"
    assert check.feed(euro[:2]) == ""
    with pytest.raises(IngestError, match=r"^f\.csv: byte 6 \(line 2\): 0xe282 is not UTF-8 text"):
        check.feed(b"", final=True)


LOL = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))


def test_a_billion_laughs_fails_at_once_in_every_yaml_reader(tmp_path: Path) -> None:
    from modelctx.governance.policies import load_rules
    from modelctx.ingest.people import load_people
    from modelctx.training.train import load_train_config

    path = tmp_path / "lol.yaml"
    path.write_text(LOL)
    assert len(LOL) < 400
    expected = rf"^{path}: line 5, column 8: aliases repeat more than {MAX_ALIAS_NODES} values in all"
    started = time.monotonic()
    with pytest.raises(IngestError, match=expected):
        load_document(path)
    with pytest.raises(ValidationError, match=expected):
        load_rules(path)
    with pytest.raises(ValidationError, match=expected):
        load_train_config(path)
    with pytest.raises(ValidationError, match=rf"^people file {path}: line 5, column 8: aliases repeat"):
        load_people(path)
    assert time.monotonic() - started < 2


def test_aliases_within_the_bound_are_plain_data() -> None:
    shared = "source: &s {dataset: orders, columns: [total, tax]}\n" + "".join(
        f"f{i}: *s\n" for i in range(100))
    data = load_yaml(shared, "f.yaml")
    assert data["f99"] == {"dataset": "orders", "columns": ["total", "tax"]}
    wide = "x: &x [" + ", ".join(["1"] * 999) + "]\n" + "".join(f"y{i}: *x\n" for i in range(10))
    assert len(load_yaml(wide, "f.yaml")["y9"]) == 999  # 10 aliases of 1,000 values: 10,000
    with pytest.raises(IngestError, match="aliases repeat more than 10000"):
        load_yaml(wide + "y10: *x\n", "f.yaml")


def test_nesting_is_bounded_in_yaml_and_json() -> None:
    assert load_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.yaml") is not None
    with pytest.raises(IngestError, match=f"f.yaml: line 1, column {MAX_DEPTH + 1}: nested deeper than 64 levels"):
        load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "f.yaml")
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "f.json") is not None
    for text in ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * 200_000 + "]" * 200_000):
        with pytest.raises(IngestError, match="^f.json: nested deeper than 64 levels$"):
            load_json(text, "f.json")


def test_documents_are_utf8_or_carry_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "reviews.yaml"
    path.write_bytes("- model: caf\u00e9\n".encode("utf-16"))
    assert load_document(path).data == [{"model": "caf\u00e9"}]
    path.write_bytes("- model: caf\u00e9\n".encode("cp1252"))
    with pytest.raises(IngestError, match=rf"^{path}: byte 12 \(line 1\): 0xe9 is not UTF-8 text; convert it"):
        load_document(path)
    with pytest.raises(ValidationError, match=r"is a folder, not a file"):
        read_text(tmp_path, error=ValidationError)
