"""The person identity rule: one place decides which Person a name, handle or email is.

Git knows people by email, reviews, deployments and feature files by a name,
handle or email, MLflow by its user handle and the tracking SDK by the acting
user (``user:alice``). Every ingestor and the SDK make Person nodes through
:class:`People`, so one human is one node:

1. **An email is the identity** when a source gives one (``reviewer_email``, a
   git author, a ``who`` containing ``@``): ``person:<lower-cased email>``. The
   node keeps ``email``, ``handle`` (the email's local part: what handle-only
   sources are matched on) and ``name``.
2. **A bare handle** (an MLflow user, an SDK actor ``user:Alice`` → ``alice``,
   a deployer's or owner's name) is, in this order:

   a. the email the aliases file lists it under;
   b. the one *known* email whose local part it equals — known means a Person
      stored in the graph (read through :class:`~modelctx.ingest.lookup.GraphLookup`),
      an email this resolver met earlier (earlier in the same ingest, or the
      same tracked run), or an email in the aliases file. Two known emails
      with that local part (``dana@a.example``, ``dana@b.example``) make it
      ambiguous, and (c) applies;
   c. otherwise ``person:<lower-cased handle>``, a handle person.
3. **A mention never makes a stored person worse.** A mention that resolves to
   a stored person writes only what it adds: ``name`` when the source states a
   real name (not the email, its local part or the handle itself), ``email``
   and ``handle`` when they are missing. A name the aliases file gives beats
   every source's. ``source`` and ``source_id`` are set by whoever creates the
   node, never changed afterwards.

**Order dependence.** Rule 2b sees only what is known when the handle is met: a
handle met before any email with that local part becomes a handle person, and
the records attributed then stay with it; once the email is known, later
mentions of the handle go to the email's person. The aliases file removes the
dependence for the handles it lists.

The aliases file is optional: ``MODELCTX_PEOPLE``, else ``people.yaml`` in the
modelctx home (:func:`modelctx.config.people_file`)::

    people:
      - email: dana.lee@example.com
        name: Dana Lee            # optional
        aliases: [dana, dlee]     # optional: handles that are this person

A malformed file is a ValidationError naming the file and the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelctx.errors import ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.ingest.lookup import GraphLookup, empty_lookup

#: The prefix of an SDK actor that names a user (``user:alice``); other actors are handles as written.
USER_PREFIX = "user:"
_ENTRY_KEYS = ("aliases", "email", "name")


@dataclass(frozen=True, slots=True)
class PeopleDirectory:
    """What the aliases file says: each listed email's name and the handles that are that person."""

    names: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    emails: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """The Person a mention resolved to and the record (if any) that creates or improves it."""

    person_id: str
    email: str | None
    nodes: list[Node]


def split_email(text: str) -> tuple[str, str] | None:
    """``(lower-cased email, local part)`` when ``text`` is an email address, else None."""
    email = text.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in email):
        return None
    return email, local


def load_people(path: Path) -> PeopleDirectory:
    """The aliases file at ``path`` (an absent file is an empty directory); ValidationError if malformed."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return PeopleDirectory()
    except OSError as exc:
        raise ValidationError(f"people file {path}: cannot read: {exc.strerror or exc}") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _loaded.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    directory = _parse_people(path)
    _loaded[str(path)] = (key, directory)
    return directory


# The file is read at every tracked run's start: parse it again only when it changed.
_loaded: dict[str, tuple[tuple[str, int, int], PeopleDirectory]] = {}


def _parse_people(path: Path) -> PeopleDirectory:
    from modelctx.ingest.formats import load_yaml, read_text

    label = f"people file {path}"
    data = load_yaml(read_text(path, label, error=ValidationError), label, error=ValidationError)
    if data is None:
        return PeopleDirectory()
    if not isinstance(data, dict) or set(data) != {"people"} or not isinstance(data["people"], list):
        raise ValidationError(f"people file {path}: expected a mapping with one key, 'people', holding a list")
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    listed: dict[str, int] = {}
    for index, entry in enumerate(data["people"]):
        where = f"people file {path}: people[{index}]"
        if not isinstance(entry, dict):
            raise ValidationError(f"{where}: expected a mapping with an email, not {type(entry).__name__}")
        unknown = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
        if unknown:
            raise ValidationError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(_ENTRY_KEYS)})")
        parsed = split_email(entry["email"]) if isinstance(entry.get("email"), str) else None
        if parsed is None:
            raise ValidationError(f"{where}: 'email' must be an email address, not {entry.get('email')!r}")
        email = parsed[0]
        if email in listed:
            raise ValidationError(f"{where}: {email} is already listed at people[{listed[email]}]")
        listed[email] = index
        name = entry.get("name")
        if name is not None:
            if not isinstance(name, str) or not name.strip():
                raise ValidationError(f"{where}: 'name' must be non-empty text, not {name!r}")
            names[email] = name.strip()
        handles = entry.get("aliases") or []
        if not isinstance(handles, list):
            raise ValidationError(f"{where}: 'aliases' must be a list of handles, not {type(handles).__name__}")
        for handle in handles:
            if not isinstance(handle, str) or not handle.strip() or "@" in handle:
                raise ValidationError(f"{where}: alias {handle!r} is not a handle (non-empty text without '@')")
            key = handle.strip().lower()
            owner = aliases.get(key)
            if owner is not None and owner != email:
                raise ValidationError(f"{where}: alias {key!r} is already an alias of {owner} "
                                      f"(people[{listed[owner]}])")
            aliases[key] = email
    return PeopleDirectory(names, aliases, frozenset(listed))


def people_directory(home: Path | None = None) -> PeopleDirectory:
    """The aliases file in force (:func:`modelctx.config.people_file`), loaded."""
    from modelctx.config import people_file

    return load_people(people_file(home))


class People:
    """Resolves the ways sources name people to Person ids, remembering what it met (rule in the module docstring).

    One resolver serves one ingest (or one tracked run): it remembers the emails
    it met, the stored persons it read and the records it handed out, so each
    person is written once with what the mentions so far say.
    """

    def __init__(self, lookup: GraphLookup | None, *, source: str,
                 directory: PeopleDirectory | None = None) -> None:
        self._lookup: GraphLookup = lookup if lookup is not None else empty_lookup()
        self._source = source
        self._directory = directory if directory is not None else people_directory()
        #: The properties each person has once what this resolver handed out is written (None: not stored).
        self._known: dict[str, dict[str, Any] | None] = {}
        self._met_by_local: dict[str, set[str]] = {}
        for email in self._directory.emails:
            self._met_by_local.setdefault(email.partition("@")[0], set()).add(email)
        self._stored_by_handle: dict[str, set[str]] = {}

    def resolve(self, who: str | None, email: str | None = None) -> PersonMatch:
        """The Person that ``who`` (a name, handle or email) with an optional ``email`` names."""
        text = (who or "").strip()
        parsed = split_email(email if email else text)
        if parsed is not None:
            real_name = text if text and "@" not in text and text.lower() != parsed[1] else None
            return self._email_person(parsed[0], parsed[1], real_name, fallback_name=text)
        # An email field that is not an address still identifies better than a display name.
        handle = (email or "").strip() or text
        if not handle:
            raise ValidationError("a person needs a name, handle or email; all are empty")
        return self._handle_person(handle)

    def actor(self, actor: str) -> PersonMatch:
        """The Person an SDK actor stands for: ``user:Alice`` is the handle ``alice``, an email is that email."""
        text = actor.strip()
        return self.resolve(text[len(USER_PREFIX):] if text.lower().startswith(USER_PREFIX) else text)

    def _handle_person(self, text: str) -> PersonMatch:
        handle = text.lower()
        email = self._directory.aliases.get(handle)
        if email is None:
            candidates = self._met_by_local.get(handle, set()) | self._stored_emails(handle)
            email = next(iter(candidates)) if len(candidates) == 1 else None
        if email is not None:
            return self._email_person(email, email.partition("@")[0], None, fallback_name=text)
        person_id = node_id(NodeKind.PERSON, handle)
        if self._stored(person_id) is not None:
            return PersonMatch(person_id, None, [])
        props = {"name": text, "source": self._source, "source_id": handle}
        self._known[person_id] = props
        return PersonMatch(person_id, None, [Node(person_id, NodeKind.PERSON, dict(props))])

    def _email_person(self, email: str, local: str, real_name: str | None, *, fallback_name: str) -> PersonMatch:
        person_id = node_id(NodeKind.PERSON, email)
        self._met_by_local.setdefault(local, set()).add(email)
        wanted: dict[str, Any] = {"email": email, "handle": local}
        name = self._directory.names.get(email) or real_name
        if name:
            wanted["name"] = name
        known = self._stored(person_id)
        if known is None:
            if "name" not in wanted and fallback_name and "@" not in fallback_name:
                wanted["name"] = fallback_name
            props = {**wanted, "source": self._source, "source_id": email}
        else:
            props = {k: v for k, v in wanted.items() if known.get(k) != v}
        if not props:
            return PersonMatch(person_id, email, [])
        self._known[person_id] = {**(known or {}), **props}
        return PersonMatch(person_id, email, [Node(person_id, NodeKind.PERSON, props)])

    def _stored(self, person_id: str) -> dict[str, Any] | None:
        if person_id not in self._known:
            node = self._lookup.get_nodes([person_id]).get(person_id)
            self._known[person_id] = dict(node.properties) if node is not None else None
        return self._known[person_id]

    def _stored_emails(self, handle: str) -> set[str]:
        if handle not in self._stored_by_handle:
            found = self._lookup.find_nodes(NodeKind.PERSON, {"handle": handle}, limit=2)
            self._stored_by_handle[handle] = {str(n.properties["email"]) for n in found if n.properties.get("email")}
        return self._stored_by_handle[handle]


def actor_person(lookup: GraphLookup, actor: str, *, source: str, home: Path | None = None) -> PersonMatch:
    """The Person an actor stands for, resolved once (for writers that record one person per call)."""
    return People(lookup, source=source, directory=people_directory(home)).actor(actor)

