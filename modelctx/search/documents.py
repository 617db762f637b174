"""One search document per node: the words a person would use to find it.

A document is the node's title and kind, its free text (description, notes,
review comments, commit messages), its key parameters and metrics rendered as
words ("learning rate 0.1", "accuracy 0.93"), other short facts, and the text
of every Insight attached to it. Identifiers, digests and URIs are left out:
they are found by id, not by meaning.

Below its own text, a document carries its lineage neighbourhood
(``search/neighbourhood.py``): one line per neighbour, its kind, title and
the start of its free text or its telling facts, in ``context``. The keyword
index weighs that column lower than the node's own (``search/sql.py``) and
the model reads it last, after the node's own words.

Time filter: a document's ``at`` is the node's own event time
(``graph/events.py``), or else when the node first entered the change log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from modelctx.graph.events import event_time
from modelctx.graph.model import Node, NodeKind
from modelctx.vocabulary import RunStatus, Severity, Verdict

#: Free-text properties, most telling first.
TEXT_FIELDS: tuple[str, ...] = (
    "description", "text", "summary", "notes", "note", "comment", "comments", "message",
    "findings", "reason", "transformation",
)
#: Dict properties rendered as "key value" words.
NUMBER_MAPS: tuple[str, ...] = ("params", "metrics", "performance", "drift", "column_stats")
#: Short facts worth words ("verdict approved", "status active").
FACT_FIELDS: tuple[str, ...] = (
    "verdict", "status", "kind", "severity", "environment", "framework", "reviewer", "author",
    "owner", "owners", "format", "dtype", "aliases", "window", "endpoint", "rows", "version",
    "python", "image", "default_branch",
)
#: What documents and their vector texts are built as: another value makes every index rebuild its documents
#: (``search/index.py``, ``search/store_index.py``: part of their schema), so a change here reaches existing
#: indexes. 2: a node without prose has its embedding text as its passage (:func:`passage_text`).
DOCUMENTS_VERSION = "2"
MAX_BODY_CHARS = 4000
#: A neighbour lends at most this much of its free text.
NEIGHBOUR_TEXT_CHARS = 160
MAX_CONTEXT_CHARS = 1500
#: Neighbour lines in ``Document.context`` are separated by this (``embedding_text`` reads them one by one).
LINE_BREAK = "\n"
#: What the model reads at most: all-MiniLM-L6-v2 truncates at 256 word pieces (``search/embedder.py``),
#: about 1000 characters of English; text past that is never seen.
EMBED_CHARS = 900
#: The node's own words the model reads at most; the neighbourhood fills what they leave.
EMBED_OWN_CHARS = 600
#: The neighbourhood the model reads at least, and of each neighbour line at most: a short own text
#: leaves room for several neighbours' telling text rather than one neighbour's whole text.
EMBED_CONTEXT_MIN_CHARS = 300
EMBED_LINE_CHARS = 140
#: Facts a neighbour lends besides its text.
NEIGHBOUR_FACTS: tuple[str, ...] = ("verdict", "environment", "author", "reviewer")
_MAX_MAP_ITEMS = 40


@dataclass(frozen=True, slots=True)
class Document:
    """The indexed text of one node and the fields that filter it."""

    node_id: str
    kind: str
    project: str | None
    at: float | None
    title: str
    body: str
    context: str = ""


def words(key: str) -> str:
    """``learning_rate`` / ``train.learningRate`` → ``learning rate`` / ``train learning rate``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return re.sub(r"[\s_.\-/:]+", " ", spaced).strip().lower()


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else None
    if isinstance(value, (int, str)):
        text = str(value).strip()
        return text or None
    return None


_DIRECTIVE = re.compile(r"^\s*\.\.\s+\S.*$", re.MULTILINE)  # reStructuredText ".. _label:", ".. note::"
_RULE = re.compile(r"^[\s\-=~^*#+_|:`.]*$", re.MULTILINE)  # rules, table borders, blank lines
_FIELD = re.compile(r"^(\s*):([^:\n]+):", re.MULTILINE)  # ":Number of Instances: 150"
_MARKUP = re.compile(r"\*\*|__|`+|^\s*#+\s+|^\s*[-*+]\s+", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def _worded(line: str) -> bool:
    """A line of words, not a row of numbers (a statistics table says nothing a person searches for)."""
    tokens = line.split()
    return len(tokens) < 4 or sum(any(c.isalpha() for c in t) for t in tokens) >= 0.4 * len(tokens)


def plain_text(text: str) -> str:
    """Free text as plain words on one line: markup (Markdown, reStructuredText directives, rules and
    emphasis) and rows of numbers dropped, so the index and the model read the prose, and snippets show it."""
    text = _DIRECTIVE.sub("", text)
    text = _RULE.sub("", text)
    text = _FIELD.sub(r"\1\2:", text)
    text = _MARKUP.sub("", text)
    return _SPACE.sub(" ", " ".join(line for line in text.splitlines() if _worded(line))).strip()


def _render_map(name: str, value: Any, depth: int = 0) -> list[str]:
    """Flatten a (nested) dict into "key value" phrases, bounded in size."""
    if not isinstance(value, Mapping) or depth > 2:
        scalar = _scalar(value)
        return [f"{words(name)} {scalar}".strip()] if scalar is not None else []
    phrases: list[str] = []
    for key, item in list(value.items())[:_MAX_MAP_ITEMS]:
        prefix = key if depth == 0 or not name else f"{name} {key}"
        phrases.extend(_render_map(str(prefix), item, depth + 1))
    return phrases


def canonical_fact(kind: NodeKind, name: str, value: Any) -> Any:
    """A stored status, verdict or severity in today's words, so old and new records match the same query."""
    member: RunStatus | Verdict | Severity | None = None
    if name == "status" and kind is NodeKind.RUN:
        member = RunStatus.parse(value)
    elif name == "verdict":
        member = Verdict.parse(value)
    elif name == "severity":
        member = Severity.parse(value)
    return member.value if member is not None else value


def insight_visible(insight: Node, target: Node) -> bool:
    """An Insight's text joins its target's document only within one project scope."""
    return insight.properties.get("project") == target.properties.get("project")


def lends_text(neighbour: Node, node: Node) -> bool:
    """A neighbour's text joins a document within one project scope, or when it belongs to no project."""
    return neighbour.properties.get("project") is None or insight_visible(neighbour, node)


def neighbour_line(neighbour: Node) -> str:
    """What one neighbour lends a document: ``dataset version breast-cancer@2: <text>; <facts>``."""
    props = neighbour.properties
    kind = NodeKind(neighbour.kind)
    text = next((plain for v in (props.get(name) for name in TEXT_FIELDS)
                 if isinstance(v, str) and (plain := plain_text(v))), "")
    if len(text) > NEIGHBOUR_TEXT_CHARS:
        text = text[: NEIGHBOUR_TEXT_CHARS].rsplit(" ", 1)[0] + "…"
    facts = [
        f"{words(name)} {value}" for name in NEIGHBOUR_FACTS
        if (value := _scalar(canonical_fact(kind, name, props.get(name)))) and len(value) <= 80
    ]
    line = f"{words(kind.value)} {neighbour.title}"
    if text:
        line += f": {text}"
    if facts:
        line += ("; " if text else ": ") + "; ".join(facts)
    return line if line.endswith((".", "!", "?", "…")) else line + "."


def build_document(
    node: Node, insights: Iterable[Node] = (), first_seen: float | None = None, neighbours: Iterable[Node] = (),
) -> Document:
    """The document of ``node``, with the text of the Insights attached to it and of its ``neighbours``."""
    props = node.properties
    kind = NodeKind(node.kind)
    parts: list[str] = [f"{kind.label} {words(kind.value)}."]
    title = node.title  # searched in its own column and read first by the model: not repeated in the body
    for name in TEXT_FIELDS:
        value = props.get(name)
        if isinstance(value, str) and (plain := plain_text(value)):
            parts.append(plain)
        elif isinstance(value, list):
            parts.extend(plain for v in value if isinstance(v, str) and (plain := plain_text(v)))
    for insight in insights:
        text = insight.properties.get("text")
        if isinstance(text, str) and (plain := plain_text(text)) and insight_visible(insight, node):
            parts.append(f"Insight: {plain}")
    for name in NUMBER_MAPS:
        phrases = _render_map("", props.get(name)) if isinstance(props.get(name), Mapping) else []
        if phrases:
            parts.append(f"{words(name)}: " + ", ".join(phrases) + ".")
    facts = []
    for name in FACT_FIELDS:
        value = canonical_fact(kind, name, props.get(name))
        if isinstance(value, list):
            value = ", ".join(v for v in (_scalar(x) for x in value) if v)
        scalar = _scalar(value)
        if scalar and len(scalar) <= 120:
            facts.append(f"{words(name)} {scalar}")
    if facts:
        parts.append("; ".join(facts) + ".")
    body = " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)[:MAX_BODY_CHARS]
    context = LINE_BREAK.join(
        neighbour_line(n) for n in neighbours if n.id != node.id and lends_text(n, node)
    )[:MAX_CONTEXT_CHARS]
    project = props.get("project")
    moment = event_time(node)
    at = moment.timestamp() if moment is not None else None
    return Document(
        node_id=node.id,
        kind=kind.value,
        project=str(project) if project is not None else None,
        at=at if at is not None else first_seen,
        title=title,
        body=body,
        context=context,
    )


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, a cut marked "…"."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


_ID_LIKE = re.compile(r"^(?=[0-9a-f-]*\d)(?=[0-9a-f-]*[a-f])[0-9a-f-]{4,}$", re.IGNORECASE)


def meaningful(title: str) -> str:
    """A title without its id-like words (a commit's short SHA, a run's UUID): they mean nothing to the model."""
    return " ".join(w for w in title.split() if not _ID_LIKE.match(w.strip(".,:;()[]")))


def _own_words(document: Document) -> str:
    """The kind, the title and the node's own words, as the model reads them (not cut).

    The body's "Kind kind." opening is filler to the model and the title is said once.
    """
    kind = NodeKind(document.kind)
    own = document.body.removeprefix(f"{kind.label} {words(kind.value)}.").strip()
    title = meaningful(document.title)
    if title and own.startswith(title):  # a commit's title is its message's first line
        title = ""
    return f"{words(kind.value)} {title}. {own}".replace(" . ", ": ").strip()


def embedding_text(document: Document) -> str:
    """What the model reads: the kind and title, the node's own words, then its neighbours' telling text.

    The own words (:func:`_own_words`) get up to :data:`EMBED_OWN_CHARS`; the
    neighbourhood fills the rest of :data:`EMBED_CHARS` (at least
    :data:`EMBED_CONTEXT_MIN_CHARS`), each neighbour line cut to
    :data:`EMBED_LINE_CHARS`, nearest neighbours first — so a model version
    whose own text is a name reads its run's notes, its reviews' verdicts and
    comments and its deployments, not the first of them whole.
    """
    own = _cut(_own_words(document), EMBED_OWN_CHARS)
    room = max(EMBED_CONTEXT_MIN_CHARS, EMBED_CHARS - len(own))
    lent: list[str] = []
    for line in document.context.split(LINE_BREAK):
        line = _cut(line.strip(), min(EMBED_LINE_CHARS, room))
        if not line:
            break
        lent.append(line)
        room -= len(line) + 1
        if room <= 0:
            break
    return " ".join([own, *lent])


def passage_text(document: Document) -> str:
    """The document's *passage*: what the model reads of the node's own words alone, without its neighbourhood.

    The vector of :func:`embedding_text` averages a node's words with its
    neighbours'; a query that paraphrases the node's own note, commit message
    or review comment matches that average weakly. The passage vector is the
    node's own words only (up to :data:`EMBED_CHARS`, what the model reads at
    most), ranked as a list of its own and fused with the others
    (``search/hybrid.py`` :func:`~modelctx.search.hybrid.fuse`). Measured on
    tests/search_eval (development set): passages cut into sentences of at most
    600 characters scored by their best one (max-sim) gained nothing over one
    passage per node there (0.850 vs 0.855 paraphrase nDCG@10), so each node has one.

    A node without prose of its own (:func:`has_prose`: a model version, a
    deployment, a run with parameters only, a person: a name and facts) has its
    embedding text as its passage. Its own words alone are its kind and name,
    which lie near any query that says "model version" or "the model": on the
    development set such passages were the first passage hits of paraphrases
    about a review or a commit ("which model was turned down because it was
    unsafe": four model versions' names). Measured with bench/search_quality.py
    --set dev, hybrid nDCG@10, older 50 / fresh 30 / fresh2 25 paraphrases / 27
    exact: 0.841 / 0.772 / 0.683 / 0.955 with the own words, 0.845 / 0.790 /
    0.692 / 0.968 with the embedding text.
    """
    if not has_prose(document.body):
        return embedding_text(document)
    return _cut(_own_words(document), EMBED_CHARS)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
#: A word of text: how a query is split into its terms (``search/keyword_index.py`` query_terms; FTS5's own
#: tokenizer may split a quoted term further, as a phrase) and how a snippet counts the words a sentence shares.
WORD = re.compile(r"\w+")
_MAP_PREFIXES = tuple(f"{words(name)}: " for name in NUMBER_MAPS)
_FACT_PREFIXES = tuple(f"{words(name)} " for name in FACT_FIELDS)


def _terms(text: str) -> set[str]:
    return {t.lower()[:5] for t in WORD.findall(text) if len(t) > 2}


def _shared(text: str, terms: set[str]) -> int:
    """``len(_terms(text) & terms)``, without splitting a text that contains none of ``terms`` at all (most).

    A word's lower case is part of the text's lower case, except around a capital sigma (its final form depends
    on what follows it), so such a text is always split.
    """
    if "Σ" not in text:
        lowered = text.lower()
        if not any(term in lowered for term in terms):
            return 0
    return len(_terms(text) & terms)


def _own_sentences(body: str) -> list[str]:
    """A document body's sentences after its "Kind kind." opening."""
    return [s.strip() for s in _SENTENCE.split(body) if s.strip()][1:]


def _prose(sentences: list[str]) -> list[str]:
    """The sentences of free text: not a fact or number list, not filler."""
    return [s for s in sentences if not s.startswith(_MAP_PREFIXES + _FACT_PREFIXES) and not _is_filler(s)]


def has_prose(body: str) -> bool:
    """Whether a document body says something in words besides its kind, facts and numbers (``Document.body``)."""
    return bool(_prose(_own_sentences(body)))


def _unlabelled(sentence: str) -> str:
    for prefix in _MAP_PREFIXES:
        if sentence.startswith(prefix):
            return sentence[len(prefix) :]
    return sentence


def _is_filler(sentence: str) -> bool:
    """Says nothing alone: fewer than three words, or a parameter list of one or two items ("params: c 1.")."""
    if len(WORD.findall(sentence)) < 3:
        return True
    return sentence.startswith(_MAP_PREFIXES) and sentence.count(",") < 2


def snippet(body: str, query: str, context: str = "", max_chars: int = 220) -> str:
    """The sentence of the document that shares most words with ``query``, trimmed; never filler.

    Without a shared word: the node's first sentence of free text, else its
    facts, else the first neighbour line; "" when the document says nothing
    but its kind ("Model model.").
    """
    own = _own_sentences(body)
    # A neighbour line that only names its neighbour ("model churn.") says nothing: its text follows ": ".
    near = [s.strip() for line in context.split(LINE_BREAK) if ": " in line
            for s in _SENTENCE.split(line) if s.strip()]
    terms = _terms(query)
    # A parameter list matches on its items, not on its label ("params", "metrics").
    scored = [(_shared(_unlabelled(s), terms), -position, s) for position, s in enumerate(own + near)]
    matched = [item for item in scored if item[0] > 0 and len(WORD.findall(item[2])) >= 3]
    if matched:
        best = max(matched)[2]
    else:
        prose = _prose(own)
        facts = [s for s in own if s.startswith(_FACT_PREFIXES) and s.count(";") >= 1]
        best = next(iter(prose + facts + near), "")
    return best if len(best) <= max_chars else best[: max_chars - 1].rstrip() + "…"
