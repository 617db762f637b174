"""What a search document holds and what the model reads of it (search/documents.py)."""

from __future__ import annotations

from modelctx.graph.model import Node, NodeKind
from modelctx.search.documents import (
    EMBED_CHARS,
    EMBED_LINE_CHARS,
    build_document,
    embedding_text,
    has_prose,
    meaningful,
    passage_text,
    plain_text,
    snippet,
)

RST = """.. _iris_dataset:

Iris plants dataset
--------------------

**Data Set Characteristics:**

:Number of Instances: 150
============== ==== ==== =======
sepal length:   4.3  7.9   5.84   0.83
============== ==== ==== =======

The famous Iris database, first used by `Sir R.A. Fisher`."""


def test_markup_and_number_rows_are_not_words() -> None:
    assert plain_text(RST) == (
        "Iris plants dataset Data Set Characteristics: Number of Instances: 150 "
        "The famous Iris database, first used by Sir R.A. Fisher."
    )
    assert plain_text("## Notes\n- fit on **all** rows\n- `lr` 0.1") == "Notes fit on all rows lr 0.1"
    dataset = build_document(Node("dataset:iris", NodeKind.DATASET, {"name": "iris", "description": RST}))
    assert dataset.body.startswith("Dataset dataset. Iris plants dataset Data Set Characteristics:")


def test_the_model_reads_no_filler_and_every_neighbour() -> None:
    version = Node("model_version:t/3", NodeKind.MODEL_VERSION, {"name": "t v3"})
    run = Node("run:r", NodeKind.RUN, {"name": "retrain", "notes": "recall fell after rescaling. " * 20})
    review = Node("review:x", NodeKind.REVIEW, {"verdict": "rejected", "comment": "below the safety floor"})
    document = build_document(version, neighbours=[run, review])
    assert document.context.split("\n")[1] == "review x: below the safety floor; verdict rejected."
    text = embedding_text(document)
    assert text.startswith("model version t v3. ")
    assert "ModelVersion" not in text and "model version." not in text
    # The run's long notes are cut, so the review after it is still read.
    assert "run retrain: recall fell after rescaling." in text
    assert "review x: below the safety floor; verdict rejected." in text
    run_line = text.split(" review x")[0].split("t v3. ")[1]
    assert len(run_line) <= EMBED_LINE_CHARS and run_line.endswith("…")
    assert len(embedding_text(build_document(run))) <= EMBED_CHARS


def test_a_node_without_prose_has_its_enriched_text_as_its_passage() -> None:
    version = Node("model_version:t/3", NodeKind.MODEL_VERSION, {"name": "t v3", "framework": "sklearn"})
    run = Node("run:r", NodeKind.RUN, {"name": "retrain", "params": {"lr": 0.1},
                                       "notes": "recall fell after rescaling"})
    review = Node("review:x", NodeKind.REVIEW, {"verdict": "rejected", "comment": "below the safety floor"})
    bare = build_document(version, neighbours=[run, review])
    assert not has_prose(bare.body)  # "ModelVersion model version. framework sklearn."
    assert passage_text(bare) == embedding_text(bare) == (
        "model version t v3. framework sklearn. run retrain: recall fell after rescaling. "
        "review x: below the safety floor; verdict rejected.")
    said = build_document(review, neighbours=[version])
    assert has_prose(said.body)
    assert passage_text(said) == "review x. below the safety floor. verdict rejected."
    assert embedding_text(said) == passage_text(said) + " model version t v3."
    # Parameters alone and a two-word sentence are not prose.
    assert not has_prose(build_document(Node("run:p", NodeKind.RUN, {"params": {"lr": 0.1, "depth": 3}})).body)
    assert not has_prose(build_document(Node("run:q", NodeKind.RUN, {"notes": "fine."})).body)


def test_hits_next_to_the_strongest_rise() -> None:
    from modelctx.search.hybrid import near_the_strongest

    ranked = [(1, 0.5), (2, 0.4), (3, 0.37), (4, 0.36)]

    def rounded(pairs: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return [(slot, round(score, 6)) for slot, score in pairs]

    # 4 is a neighbour of the strongest hit (1): it gains 0.1 × 0.5 and passes 2 and 3.
    assert rounded(near_the_strongest(ranked, {1: {4}, 2: set()})) == [(1, 0.5), (4, 0.41), (2, 0.4), (3, 0.37)]
    assert near_the_strongest(ranked, {2: {3}}, weight=0.0) == ranked
    # A hit next to two strong hits gains the larger bonus once; unknown slots are ignored.
    assert rounded(near_the_strongest(ranked, {1: {3, 9}, 2: {3}}))[1] == (3, 0.42)


def test_the_model_reads_no_ids_and_no_repeated_title() -> None:
    assert meaningful("9cb6421328 Document how models are trained") == "Document how models are trained"
    assert meaningful("run 3f2a1b4c-77aa-4e1f-9d2c-0123456789ab") == "run"
    assert meaningful("tumour v3 added 2024 cafe") == "tumour v3 added 2024 cafe"
    commit = Node("commit:9cb6421328ab", NodeKind.COMMIT, {"message": "Pin scikit-learn\n\nPickles failed to load."})
    assert embedding_text(build_document(commit)).startswith("commit: Pin scikit-learn Pickles failed to load.")


def test_a_snippet_matches_words_as_their_own_lower_case() -> None:
    """A word's lower case is not always part of its sentence's: a capital sigma ends a word in its final form."""
    body = "Road road. Nothing else is here today. The ΟΔΟΣ'Α sign is old."
    assert snippet(body, "οδος") == "The ΟΔΟΣ'Α sign is old."
    assert snippet(body, "sign") == "The ΟΔΟΣ'Α sign is old."
    assert snippet(body, "nothing here") == "Nothing else is here today."
    assert snippet(body, "zebra") == "Nothing else is here today."
