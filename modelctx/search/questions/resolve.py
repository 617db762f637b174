"""Entity text to a node: the exact ways a question may name one, and the checks on a search hit standing in for it.

The resolver a question is answered with (``search/service.py`` answer_question)
tries ``exact_node`` first (an id, a reference ``graph/refs.py`` accepts,
``name vN``, an exact name), else the best search hit of a fitting kind that
``shares_a_word`` with the text. ``find`` is how every shape asks it: a trailing
kind word ("the robust texture feature") narrows the kinds first.
"""

from __future__ import annotations

import re

from modelctx.errors import ModelctxError, ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.refs import resolve_ref
from modelctx.graph.store import GraphStore
from modelctx.search.intent import kind_word_at_end, typed_version, version_refs
from modelctx.search.questions.walks import Resolver

_WORD = re.compile(r"[^\W_]+")
#: A version written alone: ``v3``, ``version 3``, ``3``.
_BARE_VERSION = re.compile(r"^(?:v|version\s*)?(?P<n>\d+)$", re.IGNORECASE)

#: The properties an exact entity text may equal, per kind: ``name`` (indexed, ``graph/backends/sqlite_sql.py``)
#: for every kind, and what people also call a person or a commit by. Looking for an email on a run would read
#: every run (110 ms at 100k nodes).
_NAMED_BY: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.PERSON: ("name", "email"),
    NodeKind.COMMIT: ("name", "message"),
}


def narrowed(text: str, kinds: tuple[NodeKind, ...]) -> tuple[str, tuple[NodeKind, ...]]:
    """Entity text without a trailing kind word (``search/intent.py`` KIND_WORDS, the one table), and the kinds
    that word allows (when any of ``kinds``)."""
    found = kind_word_at_end(text)
    if found is None:
        return text, kinds
    allowed = tuple(k for k in found[1] if k in kinds)
    return (found[0], allowed) if allowed else (text, kinds)


def find(resolve: Resolver, text: str, kinds: tuple[NodeKind, ...]) -> Node | None:
    """Resolve entity text, a trailing kind word narrowing the kinds (the whole text is tried last)."""
    short, allowed = narrowed(text, kinds)
    node = resolve(short, allowed)
    return node if node is not None or short == text else resolve(text, kinds)


def shares_a_word(text: str, title: str) -> bool:
    """Whether a title shares a word with entity text: a search hit resolves an entity only then, so that
    "Ada Lovelace" never resolves to the nearest person who is someone else."""
    words = {w for w in _WORD.findall(text.lower()) if len(w) > 1}
    return bool(words & set(_WORD.findall(title.lower())))


#: What people also call a node by in words, beyond its title: a commit by its message ("the leak fix commit"). A
#: search hit for entity text is checked against them too (an email is not: it names a person only exactly).
_DESCRIBED_BY: dict[NodeKind, tuple[str, ...]] = {NodeKind.COMMIT: ("message",)}


def may_name(text: str, title: str, kind: str) -> bool:
    """Whether a search hit (its index row: title and kind) can stand for entity text, read before its node is:
    its title shares a word, or its kind is named by more than its title (``_DESCRIBED_BY``: :func:`names_it` then
    reads the node)."""
    return shares_a_word(text, title) or NodeKind(kind) in _DESCRIBED_BY


def names_it(text: str, node: Node) -> bool:
    """Whether a search hit may stand for entity text: its title, or what it is described by (``_DESCRIBED_BY``),
    ``shares_a_word`` with the text."""
    names = [node.title, *(str(node.properties.get(key) or "") for key in _DESCRIBED_BY.get(node.kind, ()))]
    return any(shares_a_word(text, name) for name in names)


def same_model_versions(earlier: str, later: str) -> tuple[str, str]:
    """Two versions named in one breath, the second of the same model as the first: "between tumour v1 and v2"
    is tumour v1 and tumour v2 (either side may be the bare one); other pairs are left as they are."""
    for named, other in ((earlier, later), (later, earlier)):
        same_model, bare = typed_version(named), _BARE_VERSION.match(other)
        if same_model is not None and bare is not None:
            earlier, later = (earlier, f"{same_model[0]} v{bare['n']}") if named == earlier else \
                (f"{same_model[0]} v{bare['n']}", later)
    return earlier, later


def exact_node(view: GraphStore, text: str, kinds: tuple[NodeKind, ...]) -> Node | None:
    """The node ``text`` names exactly, among ``kinds``: a bare natural key of one of the kinds, in their
    order (so "tumour" is the model, not its latest version, when a model is wanted first); else what
    ``graph/refs.py`` resolve_ref makes of it, or of a version as people type one (``search/intent.py``
    version_refs: ``name vN`` read as ``name@N``); else an exact name.

    Text that cannot be a natural key (empty, or only spaces: ``graph/ids.py`` node_id refuses it) names nothing.
    """
    try:
        keys = [node_id(kind, text) for kind in kinds]
    except ValidationError:
        return None
    direct = view.get_nodes(keys)
    for key in keys:
        if key in direct:
            return direct[key]
    refs = [ref for ref in version_refs(text) if ref != text]
    # A miss is common here (the search is tried next), so without resolve_ref's suggestions: finding them reads
    # every model and dataset name and was three quarters of exact_node's time on the questions of
    # tests/search_eval/queries.py and tests/search/test_questions.py.
    for ref in [*refs, text]:
        try:
            node = resolve_ref(view, ref, suggest=False)
        except ModelctxError:
            continue
        if node.kind in kinds:
            return node
    for kind in kinds:
        for key in _NAMED_BY.get(kind, ("name",)):
            found = view.find_nodes(kind, {key: text}, limit=2)
            if len(found) == 1:
                return found[0]
    return None
