"""Questions about structure, answered from the graph: deterministic, offline, one parser per shape.

A search query that matches one of ``SHAPES`` ("runs that used the output of
nightly_etl", "what did Ada change", "in production without approval", ...)
is not ranked: the entities it names are resolved (an id, ``name@version`` /
``name vN`` through ``graph/refs.py``, an exact name, else the best
search hit of a fitting kind that shares a word with it), the graph operation
runs on the caller's view of the store, and every answer carries the path that
makes it one (``run R USED dataset_version D GENERATED_BY run E INSTANCE_OF job J``).
A query no shape matches, or whose entity cannot be resolved, returns ``None``
from ``answer``: the caller ranks it as usual.

One job a module:

- ``patterns.py``: a query read as a shape and its entity texts (``SHAPES``,
  ``MEANINGS``, ``match``); the guide (docs/guide/search.md, "Questions about
  structure") lists the shapes with an example each;
- ``answers.py``: one function per shape, the graph operation that answers it;
- ``resolve.py``: entity text to a node (``exact_node``, ``names_it``);
- ``verbs.py``: the verbs of questions about people and the acts they name;
- ``walks.py``: ``Answer``, the bounds, and the walks and paths answers are built from.

This module is what the rest of modelctx uses (``search/service.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from modelctx.errors import ModelctxError
from modelctx.graph.events import event_time
from modelctx.graph.store import GraphStore
from modelctx.search.questions.answers import DATA_KINDS, MADE_KINDS
from modelctx.search.questions.patterns import MEANINGS, SHAPES, Shape, clean_entity, match, matches
from modelctx.search.questions.resolve import exact_node, may_name, names_it, narrowed, shares_a_word
from modelctx.search.questions.verbs import VERB_KINDS, verb_of
from modelctx.search.questions.walks import Answer, Resolver, once, render_path
from modelctx.search.when import Window

__all__ = [
    "DATA_KINDS", "MADE_KINDS", "MEANINGS", "SHAPES", "VERB_KINDS", "Answer", "Answered", "FirstSeen", "Resolver",
    "Shape",
    "answer",
    "clean_entity", "exact_node", "match", "matches", "may_name", "names_it", "narrowed", "render_path",
    "shares_a_word", "verb_of",
]


class Answered(NamedTuple):
    """A question's reading: its shape, its answers, and the time it asks about (``when.py``), if any."""

    shape: Shape
    answers: list[Answer]
    window: Window | None = None

    @property
    def meaning(self) -> str:
        """What the question asks, with its time ("what a person did (last week)")."""
        return self.shape.meaning + (f" ({self.window.words})" if self.window is not None else "")


#: The first-seen times (epoch seconds) of nodes with no event time of their own, by id (``search/service.py``
#: reads them from the index's documents).
FirstSeen = Callable[[list[str]], Mapping[str, float | None]]


def answer(query: str, view: GraphStore, resolve: Resolver, window: Window | None = None,
           first_seen: FirstSeen | None = None) -> Answered | None:
    """The shape ``query`` was read as and its answers from ``view`` (None: it is not a recognised question,
    or an entity it names is not found). An empty list is an answer: nothing in the graph fits the question.

    ``window`` (the query's time phrase and ``--since`` / ``--until``: ``search/when.py``, read by the service
    before ``query`` comes here without the phrase) keeps the answers whose event time is in it: the time of the
    act that makes each one an answer (``Answer.at``: a version's deployment, its deciding review), else its own;
    a node that records no time is timed by ``first_seen``, when it first entered the change log, as a ranked hit is
    (``search/documents.py``), so "which models were added this month" and a ranked search agree.
    """
    for shape, parts in matches(query):
        try:
            found = shape.answer(view, *_exactly(view, resolve, parts))
        except ModelctxError:
            found = None
        if found is not None:
            timed = [a.at or a.node for a in found]  # the node whose time a window tests, per answer
            seen: Mapping[str, float | None] = {}
            if window is not None and first_seen is not None:
                seen = first_seen(list(dict.fromkeys(n.id for n in timed if event_time(n) is None)))
            # A node stands once, by its first answer whose time is in the window (a version deployed twice: by
            # the deployment the window holds).
            kept = once([a for a, n in zip(found, timed, strict=True)
                         if window is None or window.holds(n, seen.get(n.id))])
            shown = window if window is not None and window.words else None
            return Answered(shape, kept, shown)
    return None


def _exactly(view: GraphStore, resolve: Resolver, parts: dict[str, str]) -> tuple[Resolver, dict[str, str]]:
    """The resolver and parts a shape is answered with: an ``exact`` part (a name read whole past words that end a
    name elsewhere, plain words before a shape's words: ``patterns.py`` ``_terse``) is its entity ``x``, resolved
    only by what names a node exactly (``resolve.py`` exact_node), never by a search hit."""
    if "exact" not in parts:
        return resolve, parts
    named = {k: v for k, v in parts.items() if k != "exact"} | {"x": parts["exact"]}
    return (lambda text, kinds: exact_node(view, text, kinds)), named
