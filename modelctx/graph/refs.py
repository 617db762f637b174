"""Human ids: the one place a reference typed by a person is turned into a node.

Every command, route and tool that takes a node from a user calls
:func:`resolve_ref`. It accepts, in this order:

1. a full id, ``kind:natural-key`` (``model_version:tumour-classifier/2``);
2. ``NAME@VERSION`` and ``NAME@ALIAS`` for model versions
   (``tumour-classifier@2``, ``tumour-classifier@production``) and
   ``DATASET@VERSION`` for dataset versions (``breast-cancer@2``: the version
   label the dataset ingestor records, ``ingest/dataset.py``);
3. a bare model name: its latest version (``tumour-classifier``);
4. a bare natural key that one node has exactly (``breast-cancer`` is
   ``dataset:breast-cancer``; ``grace@example.com`` is ``person:grace@example.com``
   when no version or alias of a model ``grace`` is meant);
5. a unique prefix of an id, with its ``kind:`` part (``commit:2c4f3a``) or
   without it (``2c4f3a``; then at least :data:`MIN_PREFIX` characters).

MLflow's URIs, as its users copy them, read as the form they stand for:
``models:/NAME/3`` is ``NAME@3``, ``models:/NAME@ALIAS`` and
``models:/NAME/STAGE`` are ``NAME@ALIAS``, ``models:/NAME/latest`` is ``NAME``
(a model URI names a model version or nothing), and ``runs:/RUN_ID/PATH`` is
that MLflow run. A tracker's own run id alone (MLflow's, an OpenLineage
``runId``, the SDK's) names its run at step 4: runs are keyed
``run:SOURCE/RUN_ID`` for each of :data:`RUN_SOURCES`.

A prefix that several ids share is a ValidationError listing them; a reference
that names nothing is a NotFoundError ending in ``did you mean: …`` with up to
three close ids or names. All reads go through the store it is given, so a
project's view (``graph/scoped.py``) resolves only what it shows: another
project's node is never matched, listed or suggested, and is reported as
missing, as ``docs/access.md`` says.

A node that is only another name of a node (its :data:`ALIAS_OF` property
names that node: a Dataset reached through an OpenLineage symlink,
``ingest/identity.py``) resolves to the node it names.

Every lookup is bounded: a fixed number of index reads (``GraphStore.find_ids``,
``find_nodes`` by name), never a scan of the graph.
"""

from __future__ import annotations

import difflib
import re

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.ids import natural_key, node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.graph.values import check_text

#: Longest reference accepted (ids are at most this long in practice; longer input is refused, not looked up).
MAX_REF_CHARS = 2000
#: Fewest characters of a natural key that a prefix without ``kind:`` must have (git's minimum for a hash).
MIN_PREFIX = 4
#: Candidates listed when a prefix is ambiguous.
MAX_CANDIDATES = 10
#: Close matches offered on a miss.
MAX_SUGGESTIONS = 3
#: Model and dataset names read to suggest from (each kind).
MAX_NAMES = 2000
#: How close (difflib's ratio) a name or id must be to be suggested.
CUTOFF = 0.6
#: Ids read around a missed reference to suggest from.
NEAR_IDS = 50
#: Versions of one model read when looking for an alias or the latest version.
VERSIONS_PAGE = 500
#: On a node that is another name of a node: the id of that node (``ingest/identity.py`` writes it).
ALIAS_OF = "alias_of"
#: The sources that key runs by a tracker's own run id, ``run:SOURCE/RUN_ID``: MLflow's (``ingest/mlflow.py``),
#: OpenLineage's (``ingest/openlineage.py``, ``interop/marquez.py``, ``api/routes/openlineage.py``) and the SDK's
#: (``training/tracking.py``), which take their names from here.
MLFLOW_SOURCE = "mlflow"
OPENLINEAGE_SOURCE = "openlineage"
SDK_SOURCE = "sdk"
RUN_SOURCES = (MLFLOW_SOURCE, OPENLINEAGE_SOURCE, SDK_SOURCE)
#: MLflow's URI of a registered model's version: ``models:/NAME/VERSION``, ``models:/NAME/STAGE``,
#: ``models:/NAME/latest`` or ``models:/NAME@ALIAS``.
_MLFLOW_MODEL_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<which>[^/@]+)|@(?P<alias>[^/@]+))$")
#: MLflow's URI of a run's artifacts: ``runs:/RUN_ID`` and a path under it.
_MLFLOW_RUN_URI = re.compile(r"^runs:/(?P<run>[^/]+)(?:/.*)?$")


def follow_alias(store: GraphStore, node: Node) -> Node:
    """The node ``node`` is another name of (when the store shows it), else ``node`` itself."""
    target = node.properties.get(ALIAS_OF)
    if not isinstance(target, str) or target == node.id:
        return node
    return store.get_nodes([target]).get(target, node)


def model_versions(store: GraphStore, model: str) -> list[Node]:
    """Every stored version of ``model``, oldest first (read in pages: a model's versions are few)."""
    found: list[Node] = []
    offset = 0
    while True:
        page = store.find_nodes(NodeKind.MODEL_VERSION, {"model": model}, limit=VERSIONS_PAGE, offset=offset)
        found.extend(page)
        if len(page) < VERSIONS_PAGE:
            break
        offset += VERSIONS_PAGE
    found.sort(key=lambda n: int(n.properties.get("version", 0)))
    return found


def resolve_ref(store: GraphStore, ref: str, *, suggest: bool = True) -> Node:
    """The node that ``ref`` names (the forms are in the module docstring).

    Raises ValidationError for input that cannot be a reference or a prefix
    shared by several ids (the message lists them), NotFoundError when nothing
    matches (with up to three suggestions; none with ``suggest=False``, for a
    caller that only asks whether ``ref`` names a node: finding them reads
    every model and dataset name, most of the time of a miss).
    """
    text = _checked(ref)
    if (model := _MLFLOW_MODEL_URI.match(text)) is not None:
        return follow_alias(store, _registered_version(store, text, model["name"], model["alias"] or model["which"],
                                                       suggest))
    return follow_alias(store, _resolve(store, mlflow_uri(text) or text, suggest=suggest))


def mlflow_uri(text: str) -> str | None:
    """The reference an MLflow model or run URI stands for (module docstring); None when ``text`` is none."""
    if (model := _MLFLOW_MODEL_URI.match(text)) is not None:
        which = model["alias"] or model["which"]
        return model["name"] if which == "latest" else f"{model['name']}@{which}"
    if (run := _MLFLOW_RUN_URI.match(text)) is not None:
        return node_id(NodeKind.RUN, MLFLOW_SOURCE, run["run"])
    return None


def _registered_version(store: GraphStore, uri: str, name: str, which: str, suggest: bool) -> Node:
    """The model version an MLflow model URI names, and never a node of another kind: ``models:/wine/latest``
    is no dataset called wine, nor whatever id begins with "wine"."""
    if which == "latest":
        versions = model_versions(store, name)
        if versions:
            return versions[-1]
        raise NotFoundError(f"{uri!r}: no version of a model {name!r} is stored")
    node = _by_version(store, f"{name}@{which}", suggest)
    if node.kind is not NodeKind.MODEL_VERSION:
        raise NotFoundError(f"{uri!r}: no version of a model {name!r} is {which!r} ({node.id} is no model version)")
    return node


def _resolve(store: GraphStore, ref: str, *, suggest: bool) -> Node:
    kind = _kind_prefix(ref)
    if kind is not None:
        found = store.get_nodes([ref])
        if ref in found:
            return found[ref]
        return _by_prefix(store, ref, [ref], suggest)
    if "@" in ref:
        return _by_version(store, ref, suggest)
    versions = model_versions(store, ref) if "/" not in ref else []
    if versions:
        return versions[-1]
    exact = store.get_nodes([node_id(k, ref) for k in NodeKind] + [node_id(NodeKind.RUN, s, ref) for s in RUN_SOURCES])
    if len(exact) == 1:
        return next(iter(exact.values()))
    if len(exact) > 1:
        raise _ambiguous(ref, list(exact))
    if len(ref) < MIN_PREFIX:
        raise _missing(store, ref, suggest, f"(a prefix without 'kind:' needs at least {MIN_PREFIX} characters)")
    return _by_prefix(store, ref, [f"{k.value}:{ref}" for k in NodeKind], suggest)


def resolve_model_version(store: GraphStore, ref: str) -> Node:
    """The ModelVersion ``ref`` names: ``name@3``, ``name@production``, ``name`` (latest), an id or a prefix.

    The rule of :func:`resolve_ref`, refusing a node of any other kind (serving, for one, needs a version).
    """
    node = resolve_ref(store, ref)
    if node.kind is not NodeKind.MODEL_VERSION:
        raise ValidationError(f"{ref!r} is {node.kind.label} {node.id}, not a model version "
                              "(expected NAME@VERSION, NAME@ALIAS, NAME or a model_version id)")
    return node


# -- the forms ---------------------------------------------------------------------------------------


def _checked(ref: object) -> str:
    if not isinstance(ref, str):
        raise ValidationError(f"a node reference is text, not {type(ref).__name__}")
    text = ref.strip()
    if not text:
        raise ValidationError("empty node reference: give an id, NAME@VERSION, NAME@ALIAS or an id prefix")
    if len(text) > MAX_REF_CHARS:
        raise ValidationError(f"node reference of {len(text)} characters: at most {MAX_REF_CHARS}")
    if any(ord(ch) < 32 for ch in text):
        raise ValidationError(f"node reference {text[:80]!r} holds a control character")
    check_text(text, "node reference")
    return text


def _kind_prefix(ref: str) -> NodeKind | None:
    """The kind ``ref`` starts with (``model_version:``), None when it has no known kind part."""
    prefix, sep, _rest = ref.partition(":")
    if not sep:
        return None
    for kind in NodeKind:
        if prefix == kind.value:
            return kind
    return None


def _by_version(store: GraphStore, ref: str, suggest: bool) -> Node:
    """``NAME@VERSION``/``NAME@ALIAS``: a model version, or a dataset version by its recorded name."""
    name, _sep, which = ref.rpartition("@")
    if not name or not which:
        raise ValidationError(f"node reference {ref!r}: expected NAME@VERSION or NAME@ALIAS")
    candidates: dict[str, Node] = {}
    versions: list[Node] = []
    if which.isdigit():
        version_id = node_id(NodeKind.MODEL_VERSION, name, which)
        candidates.update(store.get_nodes([version_id]))
    else:
        versions = model_versions(store, name)
        for node in reversed(versions):
            if which in (node.properties.get("aliases") or []):
                candidates[node.id] = node
                break
    for node in store.find_nodes(NodeKind.DATASET_VERSION, {"name": ref}, limit=MAX_CANDIDATES + 1):
        candidates[node.id] = node
    if not candidates:  # a natural key holding "@" (a person's email): step 4 of the module docstring
        candidates.update(store.get_nodes([node_id(k, ref) for k in NodeKind]))
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    if candidates:
        raise _ambiguous(ref, list(candidates))
    if versions:
        known = sorted({a for n in versions for a in n.properties.get("aliases") or []})
        raise NotFoundError(
            f"model reference {ref!r}: no version of {name!r} has alias {which!r}"
            + (f"; aliases in use: {', '.join(known)}" if known else "; no aliases are set")
        )
    raise _missing(store, ref, suggest)


def _by_prefix(store: GraphStore, ref: str, prefixes: list[str], suggest: bool) -> Node:
    """The one id that starts with one of ``prefixes``; ambiguous or missing otherwise."""
    found: list[str] = []
    for prefix in prefixes:
        found += store.find_ids(prefix, limit=MAX_CANDIDATES + 1 - len(found))
        if len(found) > MAX_CANDIDATES:
            break
    if len(found) == 1:
        return store.get_node(found[0])
    if found:
        raise _ambiguous(ref, found)
    raise _missing(store, ref, suggest)


# -- errors ------------------------------------------------------------------------------------------


def _ambiguous(ref: str, ids: list[str]) -> ValidationError:
    shown = ids[:MAX_CANDIDATES]
    more = " and more" if len(ids) > MAX_CANDIDATES else ""
    return ValidationError(f"node reference {ref!r} is ambiguous: it matches {', '.join(shown)}{more}; "
                           "give more of the id", candidates=shown)


def _missing(store: GraphStore, ref: str, suggest: bool, note: str = "") -> NotFoundError:
    close = suggestions(store, ref) if suggest else []
    text = f"no node with id {ref!r}" + (f" {note}" if note else "")
    if close:
        text += f"; did you mean: {', '.join(close)}?"
    return NotFoundError(text, suggestions=close)


def suggestions(store: GraphStore, ref: str, n: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to ``n`` references close to ``ref`` that resolve: model and dataset names, ids near it.

    Read from the store given (a scoped view suggests only what it shows), in a bounded number of reads.
    """
    name, at, which = ref.rpartition("@")
    models = [natural_key(m.id) for m in store.find_nodes(NodeKind.MODEL, limit=MAX_NAMES)]
    datasets = [natural_key(d.id) for d in store.find_nodes(NodeKind.DATASET, limit=MAX_NAMES)]
    pool: dict[str, str] = {}  # the text compared with ref -> the reference offered
    if at:
        pool.update({f"{m}@{which}": f"{m}@{which}" for m in models})
        for dataset in difflib.get_close_matches(name, datasets, n=n, cutoff=CUTOFF):
            for version in store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": dataset}, limit=MAX_NAMES):
                pool[version.title] = version.title
    else:
        pool.update({key: key for key in [*models, *datasets]})
    for near in _near_ids(store, ref):
        pool.setdefault(near, near)
        pool.setdefault(natural_key(near), near)
    offered: list[str] = []
    for match in difflib.get_close_matches(ref, list(pool), n=4 * n, cutoff=CUTOFF):
        value = pool[match]
        if value not in offered and value != ref and _resolves(store, value):
            offered.append(value)
        if len(offered) == n:
            break
    return offered


def _resolves(store: GraphStore, ref: str) -> bool:
    try:
        _resolve(store, ref, suggest=False)
    except (NotFoundError, ValidationError):
        return False
    return True


def _near_ids(store: GraphStore, ref: str) -> list[str]:
    """Ids sharing the longest prefix with ``ref``: per kind, the whole key, then ever shorter heads of it."""
    kind = _kind_prefix(ref)
    bases = [(ref, len(kind.value) + 1)] if kind is not None else [(f"{k.value}:{ref}", len(k.value) + 1)
                                                                   for k in NodeKind]
    near: list[str] = []
    for base, head in bases:
        length = len(base)
        while length > head:
            found = store.find_ids(base[:length], limit=NEAR_IDS)
            if found:
                near += found
                break
            length = head + (length - head) // 2
    return near
