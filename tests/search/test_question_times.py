"""A search about a time ("what did Ada change last week"): the phrase read as a window (search/when.py), question
answers kept by their event time and ranked hits by their documents' time, on every backend, with --since / --until
narrowing the same window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelctx.errors import ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search.messages import nothing_answers
from modelctx.search.service import SearchService, time_window
from modelctx.search.when import split_time

K, E = NodeKind, EdgeType
#: A Wednesday.
NOW = datetime(2024, 5, 15, 14, 30, tzinfo=UTC)
START_OF_DAY = datetime(2024, 5, 15, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("question", "rest", "start", "end"), [
    ("what did ada change today", "what did ada change", START_OF_DAY, NOW),
    ("what did ada change yesterday?", "what did ada change", at("2024-05-14"), at("2024-05-14T23:59:59.999999")),
    ("what did ada change this week", "what did ada change", at("2024-05-13"), NOW),
    ("what did ada change last week", "what did ada change", at("2024-05-06"), at("2024-05-12T23:59:59.999999")),
    ("what did ada change last month", "what did ada change", at("2024-04-01"), at("2024-04-30T23:59:59.999999")),
    ("what did ada change this year", "what did ada change", at("2024-01-01"), NOW),
    ("what did ada change last year", "what did ada change", at("2023-01-01"), at("2023-12-31T23:59:59.999999")),
    ("what did ada change in the last 10 days", "what did ada change", at("2024-05-05T14:30:00"), NOW),
    ("what did ada change in the past week", "what did ada change", at("2024-05-08T14:30:00"), NOW),
    ("what did ada change over the past 3 months", "what did ada change", at("2024-02-15T14:30:00"), NOW),
    ("what did ada change, past 2 years", "what did ada change", at("2022-05-15T14:30:00"), NOW),
    ("what did ada change since 2024-05-01", "what did ada change", at("2024-05-01"), None),
    ("what did ada change before 2024-05-01", "what did ada change", None, at("2024-05-01T23:59:59.999999")),
    ("what did ada change on 2024-05-02", "what did ada change", at("2024-05-02"), at("2024-05-02T23:59:59.999999")),
    ("what did ada change between 2024-01-01 and 2024-03-31", "what did ada change", at("2024-01-01"),
     at("2024-03-31T23:59:59.999999")),
    ("what did ada change in 2023", "what did ada change", at("2023-01-01"), at("2023-12-31T23:59:59.999999")),
    ("what did ada change in 2024-02", "what did ada change", at("2024-02-01"), at("2024-02-29T23:59:59.999999")),
    ("what did ada change in March", "what did ada change", at("2024-03-01"), at("2024-03-31T23:59:59.999999")),
    # A month after this one, without a year: the latest one not after now.
    ("what did ada change in December", "what did ada change", at("2023-12-01"), at("2023-12-31T23:59:59.999999")),
    ("what did ada change in june 2022", "what did ada change", at("2022-06-01"), at("2022-06-30T23:59:59.999999")),
    # A bound on a month or a year: inclusive, as on a date (the whole period).
    ("what did ada change since March 2024", "what did ada change", at("2024-03-01"), None),
    ("what did ada change after 2024-02", "what did ada change", at("2024-02-01"), None),
    ("what did ada change before 2024", "what did ada change", None, at("2024-12-31T23:59:59.999999")),
    ("what did ada change until June 2023", "what did ada change", None, at("2023-06-30T23:59:59.999999")),
])
def test_a_trailing_time_phrase_is_a_window(question: str, rest: str, start: datetime | None,
                                            end: datetime | None) -> None:
    text, window = split_time(question, NOW)
    assert text == rest
    assert window is not None and (window.start, window.end) == (start, end)


@pytest.mark.parametrize("question", [
    "what did ada change", "last week", "runs that used the 2023 export", "what changed in 2024 terms",
    "models trained in the last run", "what did ada change in 9999",
])
def test_other_text_names_no_time(question: str) -> None:
    assert split_time(question, NOW) == (question, None)


def test_a_date_that_does_not_exist_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="2024-02-30"):
        split_time("what did ada change since 2024-02-30", NOW)


@pytest.mark.parametrize(("question", "words"), [
    ("runs between 2024-05 and 2024-03", "between 2024-05 and 2024-03"),
    ("commits from 2024-06-02 to 2024-06-01", "from 2024-06-02 to 2024-06-01"),
])
def test_a_span_that_ends_before_it_starts_is_a_clear_error(question: str, words: str) -> None:
    # It could hold nothing: answering it with nothing would read as "nothing happened then".
    with pytest.raises(ValidationError) as refused:
        split_time(question, NOW)
    assert str(refused.value) == f"the query's time {words!r} ends before it starts"


ADA = node_id(K.PERSON, "ada@example.com")
COMMITS = {month: node_id(K.COMMIT, f"{month:x}" * 40) for month in (1, 2, 3)}


def write_commits(store: GraphStore) -> None:
    """Ada's three commits, on 15 January, February and March 2024, and one with no time."""
    undated = node_id(K.COMMIT, "d" * 40)
    store.write([
        Node(ADA, K.PERSON, {"name": "Ada Lovelace", "email": "ada@example.com"}),
        *(Node(c, K.COMMIT, {"message": f"change {m}", "authored_at": f"2024-{m:02d}-15T10:00:00Z"})
          for m, c in COMMITS.items()),
        Node(undated, K.COMMIT, {"message": "undated change"}),
    ], [*(Edge(c, ADA, E.ATTRIBUTED_TO, {"role": "author"}) for c in [*COMMITS.values(), undated])], actor="test")


def answered_ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.id for h in hits if h.answer is not None]


def test_answers_are_kept_by_their_event_time(store: GraphStore, service: SearchService) -> None:
    write_commits(store)
    assert len(answered_ids(service.search("what did Ada Lovelace change", limit=10))) == 4
    february = service.search("what did Ada Lovelace change in 2024-02", limit=10)
    assert answered_ids(february) == [COMMITS[2]]
    assert february.question is not None and february.question.name == "person_did"
    said = service.answer("what did Ada Lovelace change in 2024-02", "hybrid", february)
    assert said["question"] == {"shape": "person_did", "reads_as": "what a person did (in 2024-02)", "answers": 1}
    since = service.search("what did Ada Lovelace change since 2024-02-01", limit=10)
    # The undated commit is timed as its ranked hit is, by when it entered the change log (just now): after.
    assert answered_ids(since) == [COMMITS[3], COMMITS[2], node_id(K.COMMIT, "d" * 40)]
    # Nothing then: the question is still read, and says nothing answers it.
    none = service.search("what did Ada Lovelace change in 2022", limit=10)
    assert none.question is not None and answered_ids(none) == []
    assert service.answer("x", "hybrid", none)["note"] == nothing_answers("what a person did (in 2022)")


def test_since_and_until_beside_the_question_narrow_the_same_window(store: GraphStore, service: SearchService) -> None:
    write_commits(store)
    start, end = time_window("2024-02-01", "2024-02-29")
    assert answered_ids(service.search("what did Ada Lovelace change", since=start, until=end, limit=10)) == [
        COMMITS[2]]
    start, _ = time_window("2024-03-01", None)
    assert answered_ids(service.search("what did Ada Lovelace change in 2024-02", since=start, limit=10)) == []


def test_a_ranked_search_keeps_the_hits_of_its_window(store: GraphStore, service: SearchService) -> None:
    write_commits(store)
    for mode in ("hybrid", "keyword", "vector"):
        hits = service.search("change in 2024-02", mode=mode, limit=10)
        assert [h.id for h in hits] == [COMMITS[2]], mode
        assert hits.question is None
    # The phrase is no word of the query: without it, every commit says "change".
    assert len(service.search("change", mode="keyword", limit=10)) == 4
    start, end = time_window("2024-03-01", None)
    assert service.search("change in 2024-02", mode="keyword", since=start, limit=10) == []
