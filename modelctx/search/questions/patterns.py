"""Reading a query as a question shape: the patterns, what each shape means, and the entity texts it names.

A search query that matches one of ``SHAPES`` ("runs that used the output of
nightly_etl", "what did Ada change", "in production without approval", ...)
is read as that shape; its named parts (``x``, ``person``, ``verb``, ...) are
the entity texts, cleaned. Each shape names the function of
``search/questions/answers.py`` that answers it. The guide
(docs/guide/search.md, "Questions about structure") lists the shapes with an
example each; ``SHAPES`` is the list it documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from modelctx.search.intent import KIND_WORDS
from modelctx.search.questions import answers
from modelctx.search.questions.verbs import VERB_FORMS, VERB_KINDS
from modelctx.search.questions.walks import Answering

#: Longest entity text resolved (a question is bounded by the search query limit too).
MAX_ENTITY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Shape:
    """One recognised question shape: its pattern, an example, and how it is answered."""

    name: str
    pattern: re.Pattern[str]
    example: str
    answer: Answering

    @property
    def meaning(self) -> str:
        """What every wording of this shape asks, in words (what a search says it read the query as)."""
        return MEANINGS[self.name]


#: What each shape asks, whatever its wording (one line per shape name; ``tests/search/test_questions.py``
#: checks that every shape has one).
MEANINGS: dict[str, str] = {
    "of_kind": "every node of the kind named, newest first",
    "environment_of": "the environments a model version's or run's training ran in",
    "reviews_in_state": "the reviews that gave the verdict named",
    "unapproved_production": "model versions deployed (in production, when it says so) without an approval",
    "sweep": "model versions that came out of a hyperparameter sweep",
    "sweep_trials": "the runs of a sweep or an experiment (CHILD_OF or PART_OF it) and the versions they made",
    "used_output": "runs that used what a run or job produced",
    "trained_on": "model versions trained on a dataset",
    "used": "runs that used a dataset",
    "downstream": "what is downstream of a node",
    "derived": "the data and features derived from a dataset (downstream of it)",
    "outputs_of": "what a run or job produced (generated)",
    "training_data": "the data a model version was trained on",
    "upstream": "what a node came from",
    "person_did": "what a person did",
    "untrained_datasets": "datasets no model version was trained on",
    "current_production": "the model version in production for a model",
    "changed_between": "what changed between two versions (or since one: up to its model's latest)",
    "reviews_of": "the reviews of a model version",
    "deployments_of": "the deployments of a model version",
    "who": "who did something to a node (trained, wrote or owns it)",
    "code_behind": "the commits a node came from",
    "runs_behind": "the runs a node came from",
    "in_production": "everything deployed in production (or a named environment) now",
    "deployed": "every deployment, active or retired (to a named environment), and the version it serves",
    "reviewed": "every reviewed model version and its review",
    "trained": "every trained model version and the run that trained it",
    "versions_without": "model versions with no review, approval or deployment",
    "versions_in_state": "model versions whose review verdict in force is the one named",
    "versions_of": "the versions of a model or dataset, latest first",
    "drifting": "deployments whose newest monitoring report raises an alert",
    "best_run": "the runs behind a node ranked by a metric, the best first",
    "rollback": "the versions a model could roll back to: once in production, not serving there now",
}


# -- the shapes ------------------------------------------------------------------------------------


def _shape(name: str, pattern: str, example: str, answer: Answering) -> Shape:
    """A shape whose pattern is matched without regard to case."""
    return Shape(name, re.compile(pattern, re.IGNORECASE), example, answer)


#: "which / what / show me all the ..." opening a question: unanchored (inside an alternative) and anchored.
_WHICH_WORDS = (r"(?:(?:which|what|how\s+many|show|list|find|all|give|get|any|are\s+there\s+any|were\s+there\s+any)\s+"
                r"(?:me\s+)?"
                r"(?:the\s+|all\s+(?:the\s+)?|every\s+|each\s+|any\s+)?)?")
_WHICH = r"^" + _WHICH_WORDS
_RUNS = r"(?:runs?|jobs?|experiments?|trainings?|training\s+runs?|trials?|what|which|anything|everything|who)"
_VERSIONS = r"(?:models?\s+versions?|versions?|models?)"
_THAT = r"\s+(?:that|which|who)?\s*(?:have\s+|has\s+|were\s+|was\s+|are\s+|is\s+|did\s+)?"
_USE = (r"(?:(?:read|reads|reading|pulled|pulls|loaded|loads)\s+from|"
        r"used|use|uses|using|read|reads|reading|consumed|consume|consumes|consuming|took|take|takes|taking|"
        r"ingest(?:ed|s|ing)?|load(?:ed|s|ing)?|pull(?:ed|s|ing)?(?:\s+in)?|touch(?:ed|es|ing)?|"
        r"depend(?:s|ed)?\s+on|depending\s+on|rel(?:y|ies|ied|ying)\s+on|ran\s+on|run\s+on|trained\s+on|"
        r"built\s+on|fed\s+(?:on|from|by|with)|draws?\s+(?:on|from)|drew\s+(?:on|from))")
#: "the output of X", "data produced by X", "the dataset written by X".
_OUTPUT = (r"(?:the\s+|an?\s+)?(?:outputs?|results?|products?|data|datasets?|tables?|files?|data\s+sets?)\s+"
           r"(?:of|from|by|(?:that\s+)?(?:was\s+|were\s+)?(?:produced|written|made|generated|created|emitted)\s+by)\s+")
_MADE = r"(?:wrote|writes|written|produced|produces|made|makes|generated|generates|created|creates|emitted|emits)"
_TRAIN = (r"(?:trained|retrained|fitted|fit|built|learned|learnt|made|derived|produced|developed|created)\s+"
          r"(?:on(?:\s+top\s+of)?|from|with|using|off)")
#: What "data" is called in a question about what something was trained on.
_DATA = (r"(?:data|datasets?|data\s+sets?|dataset\s+versions?|tables?|features?|inputs?|input\s+data|training\s+data|"
         r"data\s+sources?|sources?)")
#: Every verb form, longest first (so "signed off on" is tried before "signed"), then alphabetically: the pattern
#: is the same in every process (sorting a set by length alone left ties in the set's hash order).
_VERBS = "|".join(re.escape(v).replace(r"\ ", r"\s+")
                  for v in sorted({*VERB_KINDS, *VERB_FORMS}, key=lambda v: (-len(v), v)))
_NOUN_VERBS = (r"(?:commits|changes|reviews|deployments|runs|approvals|rejections|trainings|releases|rollouts|"
               r"sign-?offs|experiments|trials)")
#: A person named in a question: never a pronoun or "nobody" ("datasets nobody trained on" names no one).
_PERSON = (r"(?!(?:the|a|an|nobody|no\s+\w+|nothing|never|not|ever|anyone|anybody|someone|somebody|everyone|everybody|"
           r"people|we|you|i|they|it|this|that|models?|datasets?|runs?|versions?|got|gets|was|were|is|are|been|being)\b)")
_TUNING = (r"(?:(?:parameter\s+|hyper-?parameter\s+|tuning\s+)?sweeps?|"
           r"hyper-?parameter\s+(?:search|sweep|tuning|optimi[sz]ation)(?:es|s)?|grid\s+search(?:es)?|"
           r"random\s+search(?:es)?|tuning\s+(?:runs?|jobs?|stud(?:y|ies))|hpo|optuna(?:\s+stud(?:y|ies))?|"
           r"(?<!fine[- ])tuning)"
           r"(?:\s+(?:trials?|runs?|jobs?|stud(?:y|ies)|experiments?|sweeps?|searche?s?))?")
_PRODUCTION = r"(?:production|prod|live|serving|deployed)"
_IN_PRODUCTION = (r"(?:in\s+production|in\s+prod|(?:live|serving)(?:\s+in\s+prod(?:uction)?)?|"
                  r"deployed(?:\s+(?:in|to)\s+prod(?:uction)?)?|"
                  r"being\s+served|running(?:\s+in\s+prod(?:uction)?)?|online|in\s+use)"
                  r"(?:\s+(?:traffic|requests|predictions|users|customers))?")
#: An entity written as a name, not a common word, where nothing else marks a question ("tumour v3 lineage",
#: "churn@2 upstream", "clean_patients downstream"; not "data lineage"): it holds a digit, @, - or _.
_NAMED = r"(?=\S*[\d@_-])\S+(?:\s+\S+){0,3}|\S+(?:\s+\S+){0,2}\s+(?=\S*[\d@_-])\S+"


#: Words plain words naming a node never hold ("data lineage", "all the commits", "rejected reviews"): a kind word
#: (``search/intent.py`` KIND_WORDS, the one table) or a word of the question around a name.
_NOT_A_NAME = (r"(?!(?:" + "|".join(sorted({re.escape(w) for word in KIND_WORDS for w in word.split()}, key=len,
                                           reverse=True))
               + r"|the|a|an|all|every|each|any|some|no|my|our|your|their|its|me|us|show|list|find|get|give|tell|is|"
               r"are|was|were|be|been|being|do|does|did|has|have|had|which|what|who|whose|how|where|when|why|there|this|"
               r"that|these|those|with|without|of|for|in|on|at|by|to|from|into|and|or|not|nothing|nobody|new|old|recent|"
               r"latest|last|current|pending|open|active|retired|unused|approved|approving|rejected|rejecting|declined|reviewed|"
               r"unreviewed|unapproved|best|top|worst|drift|drifting|alerts?|"
               r"production|prod|staging|live)(?=\s|$))")


#: What may open a terse question: "show me the tumour lineage".
_TERSE_OPENING = r"^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:the\s+|all\s+(?:the\s+)?)?"


def _terse(group: str, tail: str) -> str:
    """An entity followed only by the words of a shape ("tumour v3 lineage", "wine@2 consumers", "tumour
    lineage"): a name (``_NAMED``) is resolved as any entity is; up to three plain words (group ``exact_<group>``),
    none of them ``_NOT_A_NAME``, answer only when they name a node exactly (``questions/__init__.py``)."""
    return (_TERSE_OPENING + r"(?P<" + group + r">" + _NAMED + r")(?<!['’]s)\s+" + tail + r"$"  # "X's": elsewhere
            r"|" + _TERSE_OPENING + r"(?P<exact_" + group + r">" + _NOT_A_NAME + r"\S+(?:\s+" + _NOT_A_NAME
            + r"\S+){0,2})(?<!['’]s)\s+"
            + tail + r"$")

#: Deployment environments a question may name ("what is deployed in staging"); production's names are
#: ``graph/lineage.py`` PRODUCTION_ENVIRONMENTS.
_ENVIRONMENTS = (r"(?:production|prod|staging|stage|dev|development|test|testing|qa|uat|canary|shadow|preprod|"
                 r"pre-production|sandbox)")
#: Not an environment next ("runs in production" is not a sweep or an experiment named production).
_NOT_ENVIRONMENT = r"(?!(?:the\s+)?" + _ENVIRONMENTS + r"(?:\s+(?:env|environment))?$)"
#: How "X changes" / "X has a bug" ends a question about what depends on X.
_CHANGE_TAIL = (r"(?:\s+(?:changes?|changed|breaks|goes\s+away|gets\s+(?:changed|updated|deleted)|"
                r"has\s+(?:a\s+|an\s+)?(?:bug|problem|issue|error|mistake)s?|"
                r"is\s+(?:changed|modified|updated|removed|deleted|wrong|bad|dropped|fixed|broken|buggy|corrupt(?:ed)?)))?")
#: A version reference written whole: ``name@3``, ``name v3``, ``name version 3``.
_REF = r"(?:\S+@\S+|\S+\s+v\d+|\S+\s+version\s+\d+)"
#: "who", or "which person" in other words ("which reviewer rejected X", "what engineer deployed X").
_WHO = (r"(?:who(?:['’]s)?|(?:which|what)\s+(?:reviewers?|approvers?|persons?|people|users?|engineers?|team\s+members?|"
        r"data\s+scientists?|colleagues?))")
#: Verbs of approving or reviewing, as typed.
_APPROVED = (r"(?:approved|reviewed|signed\s+off(?:\s+on)?|"
             r"(?:requested|asked\s+for)\s+changes(?:\s+(?:on|to|for))?|green-?lit|green-?lighted|accepted|rejected|vetted|"
             r"okayed|ok'd|passed\s+review|been\s+through\s+review)")

#: Review states a question may ask for ("which models were rejected"): ``answers.review_state`` reads them.
_STATES = (r"(?:approved|rejected|refused|turned\s+down|declined|vetoed|signed\s+off|green-?lit|green-?lighted|"
           r"accepted|okayed|ok'd|sent\s+back|changes\s+requested)")
#: The severity a drift question may name ("critical drift", "warning-level drift"): ``answers.alert_severity``
#: reads it on ``vocabulary.py`` Severity's scale.
_SEVERITY_WORDS = r"(?:critical|severe|serious|major|high|medium|moderate|warning|warn|low|minor)"
_LEVEL = r"(?:[-\s](?:level|severity))?"
_SEVERITY = r"(?P<severity>" + _SEVERITY_WORDS + r")" + _LEVEL
#: What a drift question calls an alert.
_DRIFT = (r"(?:drift|data\s+drift|feature\s+drift|monitoring\s+alerts?|drift\s+alerts?|drift\s+warnings?|"
          r"alerts?)")
#: "latest version of X": what makes a version the one asked for.
_LATEST = r"(?:latest|newest|most\s+recent|last|recent)"
#: "what is the" / "show me the" before a noun phrase.
_WHAT_IS = r"(?:what\s+is\s+|what's\s+|what’s\s+|which\s+is\s+|(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:the\s+)?"
#: An entity that is only a name: no verb or preposition follows ("versions of churn", not "versions of churn in
#: production", which another shape asks).
_NO_VERB = (r"(?!.*\b(?:is|are|was|were|has|have|had|been|did|does|in|on|by|with|from|deployed|live|serving|"
            r"trained|approved|rejected)\b)")


def _made_x(things: str) -> str:
    """"which <things> produced X" / "the <things> behind X" / "which <thing> was X built from": one pattern for
    every kind of thing upstream of X that a question names (commits, runs)."""
    return (r"^(?:which|what)\s+" + things + r"\s+(?:produced|built|made|trained|created|generated|wrote|emitted|"
            r"went\s+into|"
            r"goes\s+into|(?:is|are|was|were)\s+behind|led\s+to|"
            r"(?:is|are|was|were)\s+in(?!\s+(?:the\s+)?" + _ENVIRONMENTS + r"\b)|(?:is|are|was|were)\s+used\s+"
            r"(?:for|by|in|to\s+(?:build|train|make|produce))|trained|fit|fitted)\s+(?P<x>.+)$"
            r"|^(?:what\s+(?:is|are|was|were)\s+|what's\s+|what’s\s+)?(?:the\s+)?" + things
            + r"\s+(?:behind|that\s+(?:produced|built|made|trained)|used\s+by|used\s+for|"
            r"used\s+to\s+(?:build|train|make|produce))\s+(?P<y>.+)$"
            r"|^(?:which|what)\s+" + things + r"\s+(?:is|was|were|are)\s+(?P<z>.+?)\s+(?:built|trained|made|produced|"
            r"generated|from)(?:\s+(?:from|with|on|at|by|in))?$")


#: Any kind word of ``search/intent.py`` ``KIND_WORDS``, longest first ("training runs" before "runs").
_KIND = "|".join(r"\s+".join(map(re.escape, word.split())) for word in sorted(KIND_WORDS, key=len, reverse=True))
#: What a list of a kind may end with: "(which runs) do we have", "are there", "ran", "were logged".
_ON_RECORD = (r"(?:do\s+we\s+have|have\s+we\s+got|we\s+have|are\s+there|there\s+are|exist|so\s+far|"
              r"in\s+the\s+(?:graph|store|registry)|(?:are|were)\s+(?:on\s+record|recorded|tracked|logged|registered)|"
              r"ran|(?:were\s+|was\s+)?(?:run|made|created|logged|added|started|launched|began|happened|took\s+place|"
              r"occurred|finished|ended|done|landed))")


#: The recognised shapes, tried in order (the first match that answers).
SHAPES: tuple[Shape, ...] = (
    _shape("unapproved_production", r"^(?:(?=.*\b(?P<env>production|prod|live|serving|in\s+use)\b)|"
           r"(?=.*\b(?:in|to|on)\s+(?:the\s+)?(?P<env2>" + _ENVIRONMENTS + r")\b))?.*?(?:"
           r"\b(?:production|prod|live|deployed|deployments?|serving)\b.*"
           r"(?:\b(?:without|lacks?|lacking|missing|no|not|never|nobody|no\s+one|none|skipped|skipping|bypassed|"
           r"bypassing)\b|n['’]t\b).*"
           r"\b(?:approv\w*|review\w*|sign[-\s]?offs?|signed\s+off|green-?l\w*|okayed|ok'd|vetted|blessed)"
           r"|\b(?:unapproved|unreviewed|unvetted|unsigned)\b.*\b(?:production|prod|live|deployed|deployments?)\b"
           r"|\b(?:production|prod|live|deployed)\b.*\b(?:unapproved|unreviewed|unvetted)\b)",
           "deployed models without an approval", answers.unapproved_in_production),
    _shape("sweep", r"(?:^(?:which|what)\s+(?P<subject4>runs?|trials?|experiments?)\b)?.*?"
           r"\b(?:came|come|comes|coming|produced|made|resulted|trained|picked|chosen|selected|won)\b.*"
           r"\b" + _TUNING + r"\b(?!\s+(?:commits?|changes?|code)\b)"
           r"|" + _WHICH + r"(?:(?:is|was|are|were)\s+(?:the\s+)?)?(?:best\s+|winning\s+|top\s+)?(?P<subject>"
           + _VERSIONS
           + r"|results?|winners?|outputs?|runs?|trials?|experiments?)?\s*"
           r"(?:(?:that\s+|which\s+)?(?:were|was|are|is)\s+(?:part\s+of|in|from|(?:trials?|runs?)\s+(?:of|in))|from|of|"
           r"out\s+of|by|in|inside|within)"
           r"\s+(?:a\s+|an\s+|the\s+|any\s+)?" + _TUNING + r"$"
           r"|^(?:the\s+)?" + _TUNING + r"\s+(?:results?|winners?|outputs?|models?|versions?|model\s+versions?)$"
           r"|^(?:the\s+|all\s+)?(?=.*\s(?P<subject5>runs|trials)$)" + _TUNING + r"$",
           "which versions came out of a sweep", answers.from_sweep),
    _shape("sweep_trials", _WHICH + r"(?P<subject>runs?|trials?|experiments?|child\s+runs?)\s+(?:that\s+)?"
           r"(?:belong(?:s|ed)?\s+to|(?:are|were|is|was)\s+(?:the\s+)?(?:children|child\s+runs?|trials?|part|members?)\s+of|"
           r"(?:ran|were\s+run|are\s+run|(?:are|were|was|is)\s+logged|logged)\s+(?:in|under|by|to)|"
           r"(?:are|were|is|was)\s+(?:in|under))\s+" + _NOT_ENVIRONMENT + r"(?P<x>.+)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<subject2>runs|trials|child\s+runs|"
           r"children|sub-?runs)\s+(?:of|in|under)\s+" + _NOT_ENVIRONMENT + r"(?P<y>.+)$"
           r"|^(?:what|which|how\s+many)\s+(?P<subject3>trials|child\s+runs|sub-?runs)\s+(?:did|does|has|have|had)\s+"
           r"(?P<z>.+?)\s+(?:run|have|had|launch|launched|contain|include|spawn|spawned|start|started)$"
           r"|^(?:the\s+)?(?P<exact_s>\S+(?:\s+\S+){0,3})(?<!['’]s)\s+(?P<subject4>runs|trials|child\s+runs|sub-?runs)$",
           "which trials belong to tumour sweep", answers.from_sweep),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+" + _OUTPUT + r"(?P<x>.+)$",
           "runs that consumed the output of tumour random forest", answers.used_output),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+(?:what|whatever|everything|anything|(?:the\s+)?"
           r"(?:data|datasets?|tables?|outputs?|files?|results?)\s+(?:that\s+|which\s+)?)(?P<x>.+?)\s+" + _MADE + r"$",
           "which runs read what tumour random forest produced", answers.used_output),
    _shape("used_output", _WHICH + _RUNS + _THAT + _USE + r"\s+(?P<x>.+?)(?:'s|’s)\s+(?:outputs?|results?|data)$",
           "what consumed tumour random forest's output", answers.used_output),
    _shape("trained_on", _WHICH + _VERSIONS + _THAT + r"(?:" + _TRAIN + r"|" + _USE + r")\s+(?!(?:to|for)\s)(?:"
           + _OUTPUT + r")?(?P<x>.+)$",
           "model versions trained on wine", answers.trained_on),
    _shape("trained_on", _WHICH + _VERSIONS + r"\s+(?:trained\s+on|built\s+on|built\s+from|using|based\s+on|"
           r"downstream\s+of)\s+(?P<x>.+)$"
           r"|" + _WHICH + _VERSIONS + r"\s+(?:that\s+|which\s+)?(?:came|come|comes|coming|were\s+made|was\s+made|"
           r"were\s+produced|was\s+produced|were\s+generated|was\s+generated)\s+(?:out\s+of|from|by)\s+(?P<y>.+)$"
           r"|" + _WHICH + _VERSIONS + r"\s+(?:does|do|did)\s+(?P<z>.+?)\s+(?:feed|feed\s+into|go\s+into|flow\s+into|"
           r"train|underlie)$",
           "models built from breast-cancer@2", answers.trained_on),
    _shape("trained_on", r"^(?:what|which|anything|everything)\s+(?:was|were|is|are|has\s+been|have\s+been|got)\s+"
           r"(?!derived\b)" + _TRAIN + r"\s+(?P<x>.+)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:everything|anything)\s+(?:that\s+(?:was|were|has\s+been)\s+)?"
           + _TRAIN + r"\s+(?P<y>.+)$",
           "what was trained on diabetes", answers.trained_on),
    _shape("downstream", r"^(?:what|everything|anything|which\s+(?:things|nodes|artifacts|assets))\s+(?:else\s+)?"
           r"(?:depends|relies|is\s+built|are\s+built|builds)\s+on\s+(?P<x>.+)$"
           r"|^(?:what|which\s+\w+)\s+(?:would\s+|will\s+|could\s+|might\s+|else\s+)?(?:breaks?|break|be\s+affected|"
           r"is\s+affected|are\s+affected|"
           r"gets?\s+affected|needs?\s+(?:retraining|to\s+be\s+retrained)|has\s+to\s+be\s+retrained)\s+"
           r"if\s+(?:i\s+|we\s+|you\s+|someone\s+)?(?:change\s+|modify\s+|update\s+|delete\s+|remove\s+|drop\s+|"
           r"edit\s+|fix\s+)?(?P<y>.+?)" + _CHANGE_TAIL + r"$"
           r"|^(?:the\s+)?(?:impact(?:\s+analysis)?|blast\s+radius|dependants|dependents|consumers|downstream\s+"
           r"(?:impact|dependencies|dependants|dependents|consumers|usage|lineage|graph))\s+(?:of|for|on|from)\s+"
           r"(?:(?:a\s+)?changes?\s+(?:to|in)\s+|changing\s+)?(?P<z>.+)$"
           r"|^(?:what|which)(?:\s+\w+)?\s+(?:is|are|was|were|would\s+be|will\s+be|could\s+be|gets?|get|got)\s+"
           r"(?:affected|impacted)\s+"
           r"(?:by|if)\s+(?:(?:a\s+)?changes?\s+(?:to|in)\s+|changing\s+)?(?P<w>.+?)" + _CHANGE_TAIL + r"$"
           r"|" + _terse("v", r"(?:downstream|dependants|dependents|consumers|users|usage|impact|blast\s+radius)")
           + r"|^what\s+(?:did|does|do|has|have)\s+(?P<u>.+?)\s+(?:feed|fed|feed\s+into|fed\s+into|flow\s+into|"
           r"flowed\s+into|"
           r"go\s+into|gone\s+into|affect|affected|impact|impacted)$",
           "what depends on breast-cancer", answers.downstream),
    _shape("used", _WHICH + _RUNS + _THAT + _USE + r"\s+(?!(?:to|for)\s)(?P<x>.+)$"
           r"|" + _WHICH + _RUNS + r"\s+(?:where|in\s+which)\s+(?P<y>.+?)\s+(?:was|is|were|got)\s+(?:an?\s+)?"
           r"(?:input|used|read|consumed)$",
           "runs that used breast-cancer", answers.used),
    _shape("used", _WHICH + r"(?:runs?|jobs?|experiments?|trainings?|training\s+runs?|trials?)\s+"
           r"(?:using|on|reading|consuming|with|over|downstream\s+of|fed\s+(?:by|from))\s+(?P<x>.+)$",
           "runs downstream of breast-cancer", answers.used),
    _shape("derived", _WHICH + r"(?:datasets?|dataset\s+versions?|data\s+sets?|data|tables?|features?)\s+(?:that\s+)?"
           r"(?:are|were|is|was|have\s+been|has\s+been)\s+(?:derived|built|made|computed|generated|produced|created|"
           r"cleaned|extracted)\s+from\s+(?P<x>.+)$"
           r"|^(?:what|which\s+\w+)\s+(?:is|are|was|were)\s+derived\s+from\s+(?P<y>.+)$"
           r"|^(?:the\s+)?(?:derivatives|derived\s+(?:datasets?|data|tables?|features?))\s+(?:of|from)\s+(?P<z>.+)$",
           "which datasets are derived from breast-cancer@1", answers.derived),
    _shape("environment_of", r"^(?:which|what)\s+(?:python\s+|software\s+|runtime\s+|training\s+)?"
           r"(?:environments?|python(?:\s+versions?)?|packages|libraries|dependencies|versions?\s+of\s+python)\s+"
           r"(?:did|does|do|was|were|is|are)\s+(?P<x>.+?)\s+(?:run|ran|trained|train|built|use|used|using|need|needs|"
           r"run\s+(?:in|on|with)|trained\s+(?:in|on|with)|built\s+(?:in|on|with))(?:\s+(?:in|on|with))?$"
           r"|^(?:the\s+)?(?:python\s+|software\s+|runtime\s+|training\s+)?(?:environments?|packages|dependencies|"
           r"python\s+versions?)\s+(?:of|for|behind)\s+(?P<y>.+)$"
           r"|^(?:what|which)\s+(?:environment|python(?:\s+version)?)\s+(?:was|were)\s+used\s+(?:for|by|to\s+train)\s+"
           r"(?P<z>.+)$"
           r"|" + _terse("q", r"(?:environment|dependencies|python\s+version)"),
           "which environment did tumour-classifier v2 run in", answers.environment_of),
    _shape("downstream", r"^(?:(?:what|which|everything|anything|all)\s+(?:\w+\s+)?(?:(?:is|are|lies|lie|sits?)\s+)?)?"
           r"downstream\s+(?:of|from)\s+(?P<x>.+)$"
           r"|^(?:is|are|was|were)\s+(?P<y>.+?)\s+(?:still\s+|ever\s+|actually\s+)?(?:used|consumed|read|referenced|"
           r"needed|in\s+use)(?:\s+(?:anywhere|by\s+anything|by\s+anyone|by\s+any\s+(?:models?|runs?|jobs?)|"
           r"at\s+all|downstream))?$"
           r"|^(?:does|do)\s+(?:anything|anyone|any\s+(?:models?|runs?|jobs?))\s+(?:still\s+)?(?:use|read|consume|"
           r"depend\s+on)\s+(?P<z>.+)$",
           "what is downstream of breast-cancer", answers.downstream),
    _shape("outputs_of", r"^(?:what|(?:which|what)\s+(?:models?|versions?|model\s+versions?|datasets?|"
           r"dataset\s+versions?|data|"
           r"tables?|outputs?|artifacts?)|everything|anything)\s+(?:did|does|do|has|have)\s+(?P<x>.+?)\s+(?:produce|"
           r"produced|generate|generated|output|create|created|emit|emitted|write|written|yield|yielded)$"
           r"|^(?:what|everything|anything)\s+(?:came|comes|come)\s+out\s+of\s+(?P<z>.+)$"
           r"|^(?:what\s+(?:is|are|was|were)\s+|what's\s+|what’s\s+|(?:show|list|find|get|give)\s+(?:me\s+)?)?"
           r"(?:the\s+|all\s+)?(?:outputs?|products?|artifacts?|artefacts?)\s+(?:of|from)\s+(?P<w>.+)$",
           "what did tumour random forest produce", answers.outputs_of),
    _shape("training_data", r"^(?:what|which)\s+(?:data|datasets?|data\s+sets?|tables?|features?|inputs?|"
           r"training\s+data)\s+(?:was|were|is|are|did|does|has\s+been)\s+(?P<x>.+?)\s+(?:trained|fitted|fit|built|made|train)"
           r"\s+(?:on|from|with|using)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:was|were|are|is)\s+"
           r"(?:used|read|consumed)\s+(?:to|for|in)\s+(?:train|training|build|building|fit|fitting|make|making)\s+(?P<y>.+)$"
           r"|" + _terse("m", r"(?:inputs?|input\s+data(?:sets?)?|training\s+data(?:sets?)?|training\s+sets?|"
                         r"data\s+sources?|source\s+data)")
           + r"|^(?:the\s+)?(?:training\s+data|training\s+sets?|training\s+datasets?|inputs?|input\s+data)\s+"
           r"(?:of|for|behind|used\s+by)\s+(?P<z>.+)$"
           r"|^what\s+did\s+(?P<w>.+?)\s+(?:use|read|consume|train\s+on|learn\s+from)$"
           r"|^(?:the\s+)?(?:data|datasets?|data\s+sets?|features?|inputs?|tables?)\s+(?:that\s+(?:was|were)\s+)?"
           r"(?:used\s+)?(?:to\s+train|for\s+training|to\s+build|behind)\s+(?P<v>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:was|were|is|are|has\s+been|have\s+been|got)\s+"
           r"(?:used|read|consumed|ingested|loaded|fed\s+in(?:to)?|taken)\s+(?:by|in|for)\s+(?P<u>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:went|goes|go|was\s+fed|were\s+fed|fed|feeds|feed)\s+into\s+"
           r"(?:training\s+|building\s+)?(?P<t>.+)$"
           r"|^(?:what|which\s+\w+)\s+(?:was|were)\s+used\s+(?:to\s+train|for\s+training|to\s+build|to\s+fit|in\s+training)"
           r"\s+(?P<n>.+)$"
           r"|^(?P<s>.+?)(?:'s|’s)\s+(?:training\s+data|training\s+sets?|training\s+datasets?|inputs?|input\s+data|"
           r"input\s+datasets?|data\s+sources?|source\s+data|datasets?|data)$"
           r"|^(?:what|which\s+\w+)\s+(?:was|were|is|did)\s+(?P<r>.+?)\s+(?:trained|retrained|fitted|fit|learned|learnt|"
           r"train|fit|learn)\s+(?:on|from|with|using)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:trained|fed|feeds|feed|built|produced)\s+(?P<q>.+)$"
           r"|^(?:what|which)\s+" + _DATA + r"\s+(?:does|do|did)\s+(?P<p>.+?)\s+(?:use|read|consume|ingest|depend\s+on|"
           r"rely\s+on|need|train\s+on|learn\s+from|come\s+from)$"
           r"|^(?:what|which)\s+(?:are|were|is|was)\s+the\s+(?:inputs?|training\s+data|data\s+sources?|sources?|"
           r"datasets?|features?|training\s+sets?)\s+(?:to|of|for|behind|used\s+by)\s+(?P<o>.+)$",
           "what data was tumour-classifier v2 trained on", answers.training_data),
    _shape("upstream", r"^(?:(?:what|which|everything|anything|all)\s+(?:\w+\s+)?(?:(?:is|are|lies|lie|sits?)\s+)?)?"
           r"upstream\s+(?:of|from)\s+(?P<x>.+)$"
           r"|^(?:(?:show|list|give|get|find|display|what\s+is|what's)\s+(?:me\s+)?)?(?:the\s+)?(?:full\s+|complete\s+)?"
           r"(?:upstream\s+)?(?:lineage|provenance|origins?|sources?|ancestry|upstream)\s+(?:of|for|behind)\s+(?P<y>.+)$"
           r"|^where\s+(?:did|does|do)\s+(?P<z>.+?)\s+come\s+from$"
           r"|" + _terse("w", r"(?:upstream|lineage|provenance|ancestry|origins?)")
           + r"|^(?:what|everything|anything)\s+(?:that\s+)?(?:went|goes|feeds|fed|flows|flowed)\s+into\s+(?P<v>.+)$"
           r"|^what\s+(?:feeds|fed)\s+(?P<p>.+)$"
           r"|^(?:trace\s+back|ancestors\s+of)\s+(?P<u>.+)$"
           r"|^trace\s+(?P<q>.+?)\s+(?:back(?:\s+to\s+(?:its|the|their)\s+\w+(?:\s+\w+)?)?|to\s+(?:its|the|their)\s+"
           r"(?:sources?|origins?|source\s+data|data|inputs?))$"
           r"|^how\s+(?:was|were|is)\s+(?P<t>.+?)\s+(?:made|built|produced|created|trained|derived)$"
           r"|^what\s+(?:is|was|are|were)\s+(?P<s>.+?)\s+(?:made|built|derived)\s+from$",
           "where did tumour-classifier v2 come from", answers.upstream),
    _shape("person_did", r"^(?:what|which)(?:\s+(?P<noun>\w+))?\s+(?:did|does|do|has|have)\s+" + _PERSON
           + r"(?P<person>.+?)\s+(?:been\s+)?(?P<verb>" + _VERBS + r")\b",
           "what did Alan Turing review", answers.person_did),
    _shape("person_did", r"^(?:what|which)\s+(?P<verb>" + _NOUN_VERBS + r")\s+(?:did|has|have)\s+" + _PERSON
           + r"(?P<person>.+?)\s+"
           r"(?:make|made|do|done|write|written|author|authored|create|created|push|pushed|ship|shipped|run|ran)$",
           "which reviews did Grace Hopper make", answers.person_did),
    _shape("person_did", r"^(?:(?:show|list|find)\s+(?:me\s+)?)?(?:what|everything|anything|(?:all\s+(?:the\s+)?)?"
           r"(?P<noun>" + _NOUN_VERBS + r"))\s+"
           + _PERSON + r"(?P<person>\S+(?:\s+\S+)?)\s+(?:has\s+|have\s+|ever\s+)?(?P<verb>" + _VERBS + r")$",
           "everything Grace Hopper reviewed", answers.person_did),
    _shape("person_did", r"^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<verb>" + _NOUN_VERBS
           + r")"
           r"\s+(?:by|from|(?:made|done|authored|written|pushed|signed|given|left|submitted|created)\s+by)\s+"
           r"(?P<person>.+)$",
           "reviews by Grace Hopper", answers.person_did),
    _shape("person_did", _WHICH + r"(?P<noun>" + _NOUN_VERBS + r"|models?|versions?|model\s+versions?|datasets?|"
           r"experiments?|everything|anything|things|stuff)\s+(?:that\s+(?:was|were|have\s+been|has\s+been)\s+|"
           r"(?:was|were|have\s+been|has\s+been|had\s+been)\s+)?"
           r"(?P<verb>" + _VERBS + r")\s+by\s+" + _PERSON + r"(?P<person>.+)$",
           "models approved by Grace Hopper", answers.person_did),
    _shape("person_did", r"^(?:(?:show|list|find|all)\s+(?:me\s+)?)?" + _PERSON
           + r"(?P<person>\S+(?:\s+\S+)?)(?:'s|’s)\s+"
           r"(?P<verb>" + _NOUN_VERBS + r")$",
           "Alan Turing's reviews", answers.person_did),
    _shape("code_behind", _made_x(r"(?:git\s+)?(?:commits?|code(?:\s+changes?)?|revisions?|source(?:\s+code)?|"
                                  r"code\s+versions?)")
           + r"|" + _terse("w", r"(?:commits?|code(?:\s+changes?)?)"),
           "which commit produced tumour-classifier v2", answers.code_behind),
    _shape("runs_behind", _made_x(r"(?:runs?|training\s+runs?|experiments?|jobs?|trainings?|pipelines?|sweeps?|"
                                  r"hyper-?parameter\s+(?:searche?s?|sweeps?)|tuning\s+(?:runs?|jobs?)|stud(?:y|ies))")
           + r"|^what\s+(?:produced|generated|wrote|emitted|created)\s+(?P<w>.+)$"
           r"|" + _terse("r", r"(?:training\s+runs?|runs?)"),
           "which run trained tumour-classifier v2", answers.runs_behind),
    _shape("who", r"^who\s+(?:has\s+|have\s+)?(?P<verb>trained|retrained|fit|fitted|committed|changed|modified|wrote|"
           r"authored|pushed|owns|owned|own|created|made|built|developed|registered|published)\s+"
           r"(?:(?:the\s+)?(?:code|commits?|changes)\s+(?:for|of|behind|in)\s+)?(?P<x>.+)$"
           r"|^(?:who\s+is|who's|who\s+are)\s+(?:the\s+)?(?P<verb2>owner|owners|author|authors|maintainer|trainer)s?\s+"
           r"(?:of|for)\s+(?P<y>.+)$"
           r"|^(?:the\s+)?(?P<verb3>owner|author|maintainer)s?\s+of\s+(?P<z>.+)$"
           r"|^who\s+(?:is\s+responsible\s+for|maintains|looks\s+after)\s+(?P<w>.+)$",
           "who trained tumour-classifier v2", answers.who),
    _shape("versions_without", _WHICH + _VERSIONS
           + r"\b.*?(?:\b(?:without|with\s+no|with\s+zero|lacking|lacks?|missing|(?:have|has|had)\s+(?:no|not|never)|"
           r"never|not\s+yet|not)\b|n['’]t\b)\s*(?:any\s+|an?\s+|been\s+|yet\s+|ever\s+|got\s+|gotten\s+|received\s+)*(?P<lacking>reviews?|reviewed|approvals?|approved|sign[-\s]?offs?|signed\s+off|"
           r"deployments?|deployed)(?:\s+yet|\s+anywhere|\s+at\s+all|\s+ever)?$"
           r"|" + _WHICH + r"(?:(?P<lacking2>unreviewed|unapproved|undeployed)|never\s+(?P<lacking6>reviewed|approved|"
           r"deployed)|not\s+yet\s+(?P<lacking7>reviewed|approved|deployed))\s+" + _VERSIONS + r"$"
           r"|" + _WHICH + _VERSIONS + r"\s+(?:that\s+|which\s+)?(?:are|is|were|was|remain)\s+(?:still\s+)?"
           r"(?P<lacking8>unreviewed|unapproved|undeployed)$"
           r"|" + _WHICH + _VERSIONS + r"\b.*?\b(?:awaiting|pending|waiting\s+(?:for|on)|needing|needs?|"
           r"(?:in\s+)?need\s+of|"
           r"still\s+needs?|up\s+for)\s+(?:an?\s+)?(?P<lacking3>reviews?|approvals?|sign[-\s]?offs?)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:pending|outstanding|awaited)\s+"
           r"(?P<lacking4>reviews?|approvals?|sign-?offs?)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?P<lacking5>reviews?|approvals?|"
           r"sign-?offs?)\s+(?:still\s+)?(?:pending|outstanding|awaited|due|to\s+do)$",
           "models that were never deployed", answers.versions_without),
    _shape("untrained_datasets", r"\b(?:datasets?|data\s+sets?|data|tables?)\b.*\b(?:nothing|no\s+model|no\s+models|"
           r"no\s+run|no\s+runs|no\s+one|nobody|never|not|\w+n['’]t)\b.*\b(?:trained|used|uses|use|fitted|read|reads|consumed|"
           r"consumes|touched|touches)\b"
           r"|\b(?:unused|untrained|orphan(?:ed)?|unconsumed)\s+(?:datasets?|dataset\s+versions?|data\s+sets?|data|tables?)\b"
           r"|\b(?:datasets?|dataset\s+versions?|data\s+sets?|tables?)\s+(?:that\s+)?(?:are|is|were|remain|sit)\s+"
           r"(?:still\s+|currently\s+)?(?:unused|untrained|orphan(?:ed)?|unconsumed|idle)$"
           r"|\b(?:datasets?|dataset\s+versions?|data\s+sets?|tables?)\s+(?:with\s+no|with\s+zero|without(?:\s+any)?|"
           r"(?:that\s+)?(?:have|has)\s+(?:no|zero))\s+(?:downstream\s+)?"
           r"(?:models?|runs?|consumers?|users?|model\s+versions?|dependants|dependents)\b",
           "datasets no model was trained on", answers.untrained_datasets),
    _shape("current_production", r"^(?:what\s+is\s+|what's\s+|which\s+is\s+)?(?:the\s+)?(?:current|live|latest)?\s*"
           + _PRODUCTION + r"\s+(?:model|version|model\s+version)\s+(?:for|of)\s+(?P<x>.+)$"
           r"|^(?:which|what)\s+(?:model|version|model\s+version)\s+(?:is\s+)?(?:currently\s+)?(?:serving|handling|"
           r"answering|getting)\s+(?:production\s+|prod\s+|live\s+)?(?:traffic|requests|predictions|calls)\s+(?:for|of)\s+"
           r"(?P<y>.+)$"
           r"|^(?:which|what)\s+(?:model\s+|version\s+|model\s+version\s+)?is\s+(?:currently\s+|now\s+)?"
           + _IN_PRODUCTION + r"\s+(?:for|of)\s+(?P<z>.+)$"
           r"|^(?:is|are)\s+(?P<w>.+?)\s+(?:still\s+|currently\s+|actually\s+)?(?:used|running|serving|being\s+used|"
           r"being\s+served)\s+in\s+prod(?:uction)?$",
           "current production model for tumour-classifier", answers.current_production),
    _shape("current_production", r"^(?:what|which)\s+(?:(?:version\s+|model\s+version\s+)?(?:of\s+)?(?P<x>.+?)\s+"
           r"(?:version\s+)?is|(?:model\s+)?versions\s+of\s+(?P<z>.+?)\s+are)\s+(?:currently\s+|now\s+|right\s+now\s+)?"
           + _IN_PRODUCTION + r"(?:\s+now|\s+today|\s+currently|\s+right\s+now|\s+at\s+the\s+moment)?$"
           r"|^(?:what\s+is\s+|what's\s+|which\s+is\s+)?(?:the\s+)?current\s+(?P<y>\S+)\s+(?:model|version|model\s+version)$",
           "which version of diabetes-progression is in production", answers.current_production),
    _shape("current_production", r"^(?:what\s+is|what's|which\s+\w+\s+is)\s+(?:currently\s+|now\s+|right\s+now\s+)?"
           + _IN_PRODUCTION + r"\s+"
           r"(?:for|of)\s+(?P<x>.+)$",
           "what is live for diabetes-progression", answers.current_production),
    # A deployment named by what it is called ("the postal line"), not an environment: what it serves now.
    _shape("current_production", r"^(?:what\s+is|what's|what’s|which\s+(?:model\s+|version\s+)*is)\s+"
           r"(?:currently\s+|now\s+)?(?:serving|running|live|deployed|answering)\s+(?:on|at|behind)\s+"
           + _NOT_ENVIRONMENT + r"(?P<deployment>.+)$",
           "what's running on the diabetes-progression deployment", answers.current_production),
    _shape("best_run", r"^(?:(?:which|what)(?:\s+is|\s+was|'s|’s)?\s+|(?:show|list|find|get|give)\s+(?:me\s+)?)?"
           r"(?:the\s+)?"
           r"(?P<best>best|top|winning|strongest|best-performing|best\s+performing)\s+(?P<subject>runs?|trials?|versions?|"
           r"models?|model\s+versions?)\s+(?:of|for|in|from|on|behind|using)\s+(?P<x>.+)$"
           r"|^(?:the\s+)?(?P<best2>best|top|winning)\s+(?P<exact_b>" + _NOT_A_NAME + r"\S+(?:\s+" + _NOT_A_NAME
           + r"\S+)?)\s+(?P<subject2>runs?|trials?|versions?|model\s+versions?)$"
           r"|^(?:which|what)\s+(?P<subject3>runs?|trials?|versions?|models?|model\s+versions?)\s+(?:of|for|on|behind)\s+"
           r"(?P<y>.+?)\s+(?:has|had|have|got|gets|scored|shows?|showed|reached|achieved)\s+(?:the\s+)?"
           r"(?P<best3>best|highest|lowest|top|max(?:imum)?|min(?:imum)?|biggest|smallest)\s+(?P<metric>[\w.-]+)$"
           r"|^(?:which|what)\s+(?P<subject4>runs?|trials?|versions?|models?|model\s+versions?)\s+(?:has|had|have|got|gets|"
           r"scored|shows?|showed|reached|achieved)\s+(?:the\s+)?(?P<best4>best|highest|lowest|top|max(?:imum)?|min(?:imum)?|"
           r"biggest|smallest)\s+(?P<metric2>[\w.-]+)\s+(?:for|of|on|in|behind)\s+(?P<z>.+)$"
           r"|^(?:which|what)\s+(?P<w>\S+(?:\s+\S+)?)\s+(?P<subject5>runs?|trials?|versions?|model\s+versions?)\s+"
           r"(?:has|had|have|got|gets|scored|shows?|showed|reached|achieved)\s+(?:the\s+)?(?P<best5>best|highest|lowest|top|"
           r"max(?:imum)?|min(?:imum)?|biggest|smallest)\s+(?P<metric3>[\w.-]+)$",
           "best run for tumour-classifier", answers.best_runs),
    _shape("rollback", r"^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:the\s+|any\s+|all\s+)?(?:rollback|roll-back|"
           r"roll\s+back)\s+(?:candidates?|options?|targets?|versions?)(?:\s+(?:for|of)\s+(?P<x>.+))?$"
           r"|^(?:what|which\s+(?:version|model\s+version|versions))\s+(?:can|could|should|would)\s+(?:we|i|you)\s+"
           r"(?:roll\s*back|revert|fall\s+back)\s+(?P<y>.+?)\s+to$"
           r"|^(?:what|which\s+(?:version|model\s+version))\s+(?:can|could|should)\s+(?P<z>.+?)\s+(?:be\s+)?"
           r"(?:rolled\s+back|reverted|roll\s+back|revert)\s+to$"
           r"|^(?:what\s+(?:is|was|are|were)\s+|what's\s+|what’s\s+)?(?:the\s+)?(?:previous|prior|earlier|former|old)\s+"
           r"(?:production|prod|live)\s+(?:versions?|models?|model\s+versions?)\s+(?:of|for)\s+(?P<w>.+)$"
           r"|^(?:what|which\s+(?:version|model\s+version|model))\s+(?:was|were)\s+(?:in\s+production|in\s+prod|live|"
           r"serving|deployed)\s+before\s+(?P<v>.+)$"
           r"|^(?:the\s+)?last\s+known\s+good\s+(?:version|model)\s+(?:of|for)\s+(?P<u>.+)$",
           "rollback candidates for tumour-classifier", answers.rollback_candidates),
    _shape("in_production", r"^(?:what|which|how\s+many)(?:\s+(?:models?|versions?|model\s+versions?|deployments?|"
           r"services?))?\s+"
           r"(?:is|are|'s|’s|do\s+we\s+have|have\s+we\s+got|(?:do|does)\s+(?:\w+\s+){1,2}have)\s+(?:currently\s+|now\s+)?"
           r"(?:running\s+|deployed\s+|live\s+|serving\s+)?"
           + _IN_PRODUCTION + r"(?:\s+right\s+now|\s+now|\s+today|\s+currently|\s+at\s+the\s+moment)?$"
           r"|^(?:what's|what’s)\s+(?:currently\s+|now\s+)?(?:running\s+|deployed\s+|live\s+|serving\s+)?"
           + _IN_PRODUCTION + r"(?:\s+right\s+now|\s+now|\s+today|\s+currently|\s+at\s+the\s+moment)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:current\s+)?(?:production|prod|live)\s+"
           r"(?:models|deployments|model\s+versions|versions|services)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:models|deployments|model\s+versions|"
           r"services)\s+(?:currently\s+)?(?:in\s+production|"
           r"in\s+prod|live)(?:\s+now)?$"
           r"|^(?:what|which(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?))?|what's|what’s)\s+"
           r"(?:is\s+|are\s+)?(?:currently\s+|now\s+)?(?:(?:running|deployed|live|serving)\s+)?(?:in|to|on)\s+(?:the\s+)?"
           r"(?P<env>" + _ENVIRONMENTS + r")(?:\s+(?:env|environment))?(?:\s+right\s+now|\s+now|\s+currently)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:models|deployments|model\s+versions|"
           r"services)\s+(?:currently\s+)?(?:in|on)\s+(?P<env2>" + _ENVIRONMENTS + r")$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<env3>" + _ENVIRONMENTS
           + r")\s+(?:models|deployments|model\s+versions|services)$"
           # Active in any environment ("which deployments are active", "active endpoints").
           r"|^(?:what|which|how\s+many)(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?|endpoints?))?"
           r"(?:\s+is|\s+are|'s|’s)\s+(?:currently\s+|still\s+)?(?P<active>active|deployed\s+anywhere|up)(?:\s+now|\s+right\s+now)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:currently\s+)?(?P<active2>active)\s+"
           r"(?:models|deployments|model\s+versions|versions|services|endpoints)$",
           "what is running in production", answers.in_production),
    _shape("deployed", r"^(?:what|which(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?))?)\s+"
           r"(?:was|were|got|has\s+been|have\s+been)\s+(?:deployed|shipped|released|rolled\s+out|promoted|"
           r"put\s+(?:in|into)\s+production|put\s+live)"
           r"(?:\s+(?:to|in|into|on)\s+(?:the\s+)?(?P<env>" + _ENVIRONMENTS + r")(?:\s+(?:env|environment))?)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:recent\s+|latest\s+|past\s+|"
           r"previous\s+|every\s+)?(?:deployments|releases|rollouts)(?:\s+(?:to|in|on)\s+(?:the\s+)?(?P<env2>"
           + _ENVIRONMENTS + r"))?$"
           r"|^(?:which|what)\s+(?:deployments|releases|rollouts)\s+(?:happened|took\s+place|were\s+made|were\s+done|"
           r"occurred|went\s+out)$"
           r"|^(?:which|what)(?:\s+(?:models?|versions?|model\s+versions?|deployments?|services?|endpoints?))?\s+"
           r"(?:is|are|was|were|have\s+been|has\s+been|got)\s+(?P<retired>retired|decommissioned|inactive|no\s+longer\s+"
           r"(?:active|deployed|live|serving)|rolled\s+back|taken\s+down|shut\s+down|undeployed)"
           r"(?:\s+(?:from|in)\s+(?:the\s+)?(?P<env3>" + _ENVIRONMENTS + r"))?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<retired2>retired|decommissioned|"
           r"inactive|old|past)\s+(?:deployments|releases|endpoints)$",
           "what was deployed to staging", answers.deployed),
    _shape("reviewed", r"^(?:what|which(?:\s+(?:models?|versions?|model\s+versions?))?)\s+(?:was|were|got|has\s+been|"
           r"have\s+been)\s+(?:reviewed|looked\s+at\s+by\s+(?:a\s+)?reviewers?)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:recent\s+|latest\s+|past\s+|every\s+)?"
           r"(?:reviews|review\s+verdicts)$",
           "what was reviewed", answers.reviewed),
    _shape("trained", r"^(?:what|which(?:\s+(?:models?|versions?|model\s+versions?))?)\s+(?:was|were|got|has\s+been|"
           r"have\s+been)\s+(?:trained|retrained|fitted|fit|built|produced)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?:recent\s+|latest\s+|past\s+|every\s+)?"
           r"(?:training\s+runs|trainings)$",
           "what was trained", answers.trained),
    _shape("current_production", r"^(?P<x>[^\s]+(?:\s+[^\s]+)?)\s+(?:current\s+)?(?:prod|production|live)\s+"
           r"(?:model|version|model\s+version|deployment)$",
           "tumour-classifier prod version", answers.current_production),
    _shape("current_production", r"^(?P<x>" + _NOT_A_NAME + r"[^\s]+(?:\s+[^\s]+)?)\s+(?:in\s+production|in\s+prod|"
           r"live\s+now)$",
           "tumour-classifier in production", answers.current_production),
    _shape("changed_between", r"^(?:what\s+|what's\s+|what’s\s+|(?:show|give|get|list)\s+(?:me\s+)?)?"
           r"(?:has\s+|was\s+|is\s+|are\s+)?(?:the\s+)?"
           r"(?:changed|changes|differs|different|differences?|diff|delta)\s+(?:between|from)\s+(?P<a>.+?)\s+"
           r"(?:and|to|vs\.?|versus|with)\s+(?P<b>.+)$",
           "what changed between tumour-classifier v2 and tumour-classifier v3", answers.changed_between),
    _shape("changed_between", r"^(?:what|which)\s+(?P<kind>commits?|features?|datasets?|dataset\s+versions?|data|runs?|"
           r"tables?)\s+(?:changed|differ|are\s+different|were\s+added|are\s+new|are|were|came\s+in|landed)\s+"
           r"(?:between|from)\s+(?P<a>.+?)\s+(?:and|to|vs\.?|versus)\s+(?P<b>.+)$",
           "which runs changed between tumour-classifier v2 and tumour-classifier v3", answers.changed_between),
    _shape("changed_between", r"^what(?:'s|’s|\s+is|\s+was)\s+(?:new|different|changed)\s+in\s+(?P<b>.+?)\s+"
           r"(?:compared\s+(?:to|with)|vs\.?|versus|relative\s+to|since|over|against)\s+(?P<a>.+)$",
           "what's new in tumour-classifier v2 compared to v1", answers.changed_between),
    _shape("changed_between", r"^what(?:'s|’s|\s+is|\s+was)\s+(?:new|different|changed)\s+in\s+(?P<b>" + _REF + r")$"
           r"|^(?:what\s+)?(?:changed|changes)\s+in\s+(?P<c>" + _REF + r")$"
           r"|^(?:what\s+(?:has\s+)?|what's\s+|what’s\s+)?(?:changed|changes|is\s+new|new|been\s+changed)\s+(?:since|after)\s+"
           r"(?P<since>" + _REF + r")$",
           "what's new in tumour-classifier v3", answers.changed_between),
    _shape("changed_between", r"^(?:compare|diff)\s+(?P<a>.+?)\s+(?:and|with|to|vs\.?|versus|against)\s+(?P<b>.+)$",
           "compare tumour-classifier v1 with tumour-classifier v2", answers.changed_between),
    _shape("changed_between", r"^(?:compare|diff|differences?|changes)\s+(?P<a>" + _REF + r")\s+(?P<b>" + _REF
           + r"|v\d+|\d+)$",
           "diff tumour-classifier@1 tumour-classifier@2", answers.changed_between),
    _shape("changed_between", r"^how\s+(?:does|do|did|is|are)\s+(?P<b>.+?)\s+(?:differ|different|compare|compared)\s+"
           r"(?:from|to|with|against)\s+(?P<a>.+)$",
           "how does wine-cultivar v2 differ from wine-cultivar v1", answers.changed_between),
    _shape("changed_between", r"^(?P<a>\S+(?:\s+\S+)?)\s+(?:vs\.?|versus)\s+(?P<b>\S+(?:\s+\S+)?)$",
           "tumour-classifier v2 vs v3", answers.changed_between),
    _shape("reviews_of", r"^(?:(?P<who>" + _WHO + r")\s+(?:has\s+|have\s+)?(?P<verb>" + _APPROVED
           + r")|(?:who\s+)?(?P<declined>turned\s+down|declined)|" + _WHICH_WORDS
           + r"(?:reviews?|approvals?|sign-?offs?|verdicts?)\s+(?:of|for|on))\s+(?P<x>.+)$"
           r"|^(?:has|did|have)\s+(?:anyone|anybody|someone|somebody)\s+(?:already\s+)?(?:approved|reviewed|signed\s+off"
           r"(?:\s+on)?|green-?lit|looked\s+at|checked|approve|review|sign\s+off(?:\s+on)?)\s+(?P<r>.+?)(?:\s+yet)?$"
           r"|^(?:is|was|has|have|did|does)\s+(?P<y>.+?)\s+(?:been\s+|get\s+|got\s+|gotten\s+|already\s+)?"
           r"(?:approved|reviewed|signed\s+off(?:\s+on)?|green-?lit|green-?lighted|accepted|rejected|vetted|okayed|"
           r"approve|review|pass(?:ed)?\s+review)(?:\s+for\s+\w+)?(?:\s+yet|\s+already)?$"
           r"|^(?:who\s+is|who's|who\s+are|who\s+was|who\s+were)\s+(?:the\s+)?(?P<who3>approvers?|reviewers?|signers?|"
           r"sign-?offs?)\s+(?:of|for|on)\s+(?P<m>.+)$"
           r"|^(?:the\s+|what\s+is\s+the\s+|what's\s+the\s+)?(?:approval|review|sign-?off)\s+"
           r"(?:status|state|verdict|history|decision)\s+(?:of|for|on)\s+(?P<z>.+)$"
           r"|^(?:(?:show|give|get|find)\s+(?:me\s+)?)?(?:the\s+|any\s+)?(?:evidence|proof|records?|audit\s+trail)\s+"
           r"of\s+(?:the\s+|an?\s+)?(?:approvals?|reviews?|sign-?offs?)\s+(?:of|for|on)\s+(?P<p>.+)$"
           r"|^(?:(?:show|give|get|find)\s+(?:me\s+)?)?(?:the\s+)?(?:approval|review|sign-?off)\s+(?:evidence|proof|"
           r"records?|trail)\s+(?:of|for|on)\s+(?P<o>.+)$"
           r"|" + _terse("q", r"(?:approval|review|sign-?off)\s+(?:status|state|verdict|history|decision|evidence|"
                         r"records?)")
           + r"|" + _terse("n", r"(?:reviews|approvals|sign-?offs)"),
           "who reviewed wine-cultivar v1", answers.reviews_of),
    _shape("deployments_of", r"^(?:(?P<who>" + _WHO + r")\s+(?:has\s+|have\s+)?(?:deployed|shipped|released|"
           r"rolled\s+out|launched|promoted|put\s+live)|where\s+(?:is|was|are|were|has|have)(?!\s+(?:there\s+)?drift\b)|"
           + _WHICH_WORDS + r"(?:deployments?|releases?|rollouts?|endpoints?)\s+(?:of|for))\s+(?P<x>.+?)"
           r"(?:\s+(?:been\s+)?(?:deployed|running|served|serving|hosted|live|shipped|released))?"
           r"(?:\s+(?:to|in|into|on)\s+(?:production|prod|staging|\w+))?$"
           r"|^where\s+(?:does|do|did)\s+(?P<v>.+?)\s+(?:run|live|get\s+served|serve|get\s+deployed)$"
           r"|^(?P<who2>" + _WHO + r")\s+(?:has\s+|have\s+)?(?:put|pushed|moved|promoted|took|sent)\s+(?P<s>.+?)\s+"
           r"(?:(?:in|into|to)\s+(?:production|prod|staging|live)|live)$"
           r"|^(?:which|what)\s+(?:endpoints?|services?|environments?|deployments?|servers?)\s+(?:serve|serves|run|runs|host|"
           r"hosts)\s+(?P<u>.+)$"
           r"|^(?:the\s+)?(?:deployment|release|rollout)\s+(?:history|status)\s+(?:of|for)\s+(?P<t>.+)$"
           r"|^when\s+(?:was|were|did|is|has)\s+(?P<y>.+?)\s+(?:been\s+)?(?:deployed|shipped|released|rolled\s+out|"
           r"launched|promoted|put\s+(?:in|into)\s+(?:production|prod)|go(?:ing)?\s+live|went\s+live|deploy|ship|"
           r"release)(?:\s+(?:to|in|into)\s+\w+)?$"
           r"|^(?:is|was|has)\s+(?!there\b)(?P<z>.+?)\s+(?:been\s+|ever\s+|already\s+)?(?:(?:used|running|serving)\s+"
           r"(?=in\s+prod))?(?:deployed|shipped|released|live|"
           r"in\s+production|in\s+prod|serving)(?:\s+yet|\s+anywhere|\s+already)?$"
           r"|^(?:which|what)\s+(?:environments?|envs?|endpoints?|places|clusters|regions|servers|services)\s+"
           r"(?:is|are|was|were|has|have)\s+(?P<w>.+?)\s+(?:been\s+)?(?:deployed|running|served|live|shipped|released)"
           r"(?:\s+(?:to|in|on|at))?$"
           r"|" + _terse("r", r"(?:deployments?|releases?|rollouts?|endpoints?)")
           + r"|^(?:which|what|how\s+many)\s+(?:model\s+)?versions?\s+of\s+(?P<q>.+?)\s+(?:were|was|have\s+been|"
           r"has\s+been|are|is)\s+(?:ever\s+|once\s+|previously\s+|already\s+)?(?:deployed|in\s+production|in\s+prod|live|shipped|"
           r"released)(?:\s+(?:to|in)\s+\w+)?$",
           "deployments of tumour-classifier", answers.deployments_of),
    _shape("reviews_in_state", _WHICH + r"(?:reviews?|verdicts?|sign-?offs?)\s+(?:that\s+|which\s+)?"
           r"(?:were|was|are|is|have\s+been)\s+(?:an?\s+)?(?P<state>rejections?|approvals?|requests?\s+for\s+changes|"
           + _STATES + r")$"
           r"|" + _WHICH + r"(?:reviews?|verdicts?)\s+(?:that\s+|which\s+)?(?P<state2>approved|rejected|"
           r"requested\s+changes|asked\s+for\s+changes|turned\s+down|declined)(?:\s+(?:something|anything|a\s+model|"
           r"models?|versions?))?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<state3>approving|approved|rejecting|"
           r"rejected|rejection|approval|declined)\s+(?:reviews?|verdicts?)$",
           "which reviews were rejections", answers.reviews_in_state),
    _shape("versions_in_state", _WHICH + r"(?:(?P<env>production|prod|live)\s+)?" + _VERSIONS
           + r"\s+(?:that\s+|which\s+)?"
           r"(?:have\s+been\s+|has\s+been\s+|had\s+been\s+|were\s+|was\s+|are\s+|is\s+|got\s+|get\s+)?"
           r"(?:currently\s+|already\s+|had\s+|with\s+)?(?P<state>" + _STATES + r")"
           r"(?:\s+by\s+(?:a\s+|the\s+|any\s+)?(?:reviewers?|review|governance|someone|somebody|anyone)|"
           r"\s+(?:in|at|on)\s+review)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+)?(?P<state2>approved|rejected|refused|"
           r"declined|vetoed)\s+(?:(?P<env2>production|prod|live)\s+)?" + _VERSIONS
           + r"(?:\s+(?:in|on)\s+(?P<env3>prod(?:uction)?))?$"
           r"|" + _WHICH + _VERSIONS + r"\s+(?:that\s+|which\s+)?(?P<state3>failed|did\s+not\s+pass|didn't\s+pass|"
           r"passed)\s+(?:a\s+|the\s+|their\s+|its\s+)?reviews?$"
           r"|" + _WHICH + _VERSIONS + r"\s+(?:with|that\s+(?:have|had|got))\s+(?:a\s+|an\s+)?(?P<state4>approval|"
           r"rejection|changes\s+requested)$"
           r"|^(?:what|which\s+ones?|anything|everything)\s+(?:got|was|were|has\s+been|have\s+been|is|are)\s+"
           r"(?:already\s+)?(?P<state5>" + _STATES + r")"
           r"(?:\s+by\s+(?:a\s+|the\s+|any\s+)?(?:reviewers?|review|governance))?$",
           "which models were rejected", answers.versions_in_state),
    _shape("versions_of", r"^" + _WHAT_IS + _LATEST + r"\s+(?:model\s+|dataset\s+)?(?:versions?|releases?)\s+"
           r"(?:of|for)\s+" + _NO_VERB + r"(?P<x>.+)$"
           r"|^" + _WHAT_IS + _LATEST + r"\s+(?P<y>\S+(?:\s+\S+)?)\s+(?:model\s+|dataset\s+)?(?:version|release)$"
           r"|^" + _NO_VERB + r"(?P<z>.+?)(?:'s|’s)\s+(?:" + _LATEST + r"\s+)?(?:model\s+|dataset\s+)?versions?$"
           r"|^" + _WHICH_WORDS + r"(?:model\s+|dataset\s+)?versions\s+(?:of|for)\s+" + _NO_VERB + r"(?P<w>.+)$"
           r"|^(?:what|which|how\s+many)\s+(?:model\s+|dataset\s+)?versions\s+(?:does|do|did|has)\s+(?P<v>.+?)\s+"
           r"(?:have|got)$"
           r"|^(?:what|which|how\s+many)\s+(?:model\s+|dataset\s+)?versions\s+of\s+(?P<u>.+?)\s+(?:are\s+there|exist)$"
           r"|" + _terse("t", r"versions")
           # Tried last, without the guard: a name holding in / on / by ("versions of sales-in-2024", "versions of
           # scored on holdout") is read whole, and answers only when it names a node exactly (answers.py).
           + r"|^" + _WHAT_IS + _LATEST + r"\s+(?:model\s+|dataset\s+)?(?:versions?|releases?)\s+(?:of|for)\s+"
           r"(?P<exact>.+)$"
           r"|^" + _WHICH_WORDS + r"(?:model\s+|dataset\s+)?versions\s+(?:of|for)\s+(?P<exact2>.+)$"
           r"|^(?P<exact3>.+?)(?:'s|’s)\s+(?:" + _LATEST + r"\s+)?(?:model\s+|dataset\s+)?versions?$",
           "latest version of tumour-classifier", answers.versions_of_node),
    _shape("drifting", _WHICH + r"(?:(?P<prod>production|prod|live)\s+|deployed\s+)?"
           + r"(?P<subject>models?|versions?|model\s+versions?|deployments?|endpoints?|services?)?\s*"
           r"(?:(?:is|are|has|have)\s+)?(?:currently\s+|now\s+|still\s+)?(?:drifting|drifted|showing\s+drift|in\s+drift|"
           r"alerting)"
           r"(?:\s+in\s+(?P<prod2>prod(?:uction)?)|\s+right\s+now|\s+now)?$"
           r"|^(?:is|are)\s+(?:there\s+)?(?:any(?:thing)?|any\s+(?:models?|deployments?))\s+(?:currently\s+)?drifting"
           r"(?:\s+in\s+(?P<prod3>prod(?:uction)?))?$"
           r"|" + _WHICH + r"(?:(?P<prod4>production|prod|live)\s+|deployed\s+)?"
           r"(?P<subject2>models?|versions?|model\s+versions?|deployments?|endpoints?|services?)\s+"
           r"(?:with|that\s+(?:have|has|show|shows)|have|has|having|showing)\s+(?:an?\s+|any\s+)?(?:open\s+)?"
           r"(?:" + _SEVERITY + r"\s+)?" + _DRIFT + r"(?:\s+in\s+(?P<prod5>prod(?:uction)?))?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:open\s+|current\s+)?"
           r"(?:(?P<severity2>" + _SEVERITY_WORDS + r")" + _LEVEL + r"\s+)?"
           r"(?:drift\s+alerts?|drift\s+warnings?|monitoring\s+alerts?|drifting\s+(?P<subject3>models|deployments|versions))$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:open\s+|current\s+)?"
           r"(?P<severity3>" + _SEVERITY_WORDS + r")" + _LEVEL + r"\s+(?:data\s+|feature\s+)?(?:drift|alerts?|"
           r"drift\s+alerts?|monitoring\s+alerts?)(?:\s+in\s+(?P<prod6>prod(?:uction)?))?$"
           # Drift named with no question around it: "drift in production", "production drift", "open alerts".
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:open\s+|current\s+)?"
           r"(?:(?:data\s+|feature\s+)?drift|drifting)\s+(?:in|on)\s+(?P<prod7>prod(?:uction)?)$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:current\s+)?(?P<prod8>production|prod|live)\s+"
           r"(?:data\s+|feature\s+)?drift(?:\s+alerts?)?$"
           r"|^(?:(?:show|list|find|get|give)\s+(?:me\s+)?)?(?:all\s+)?(?:the\s+|any\s+)?(?:open|active|firing|unresolved)\s+"
           r"(?:drift\s+|monitoring\s+)?alerts?$"
           r"|^where\s+(?:is|was|has)\s+(?:there\s+)?drift\s+(?:been\s+)?(?:detected|found|seen|flagged)$"
           r"|^(?:what|which)\s+(?:drift\s+|monitoring\s+)?alerts?\s+(?:are|is)\s+(?:currently\s+|still\s+)?(?:open|active|"
           r"firing|raised)$"
           r"|^(?:is|are)\s+there\s+(?:any\s+)?(?P<severity5>" + _SEVERITY_WORDS + r")" + _LEVEL + r"\s+(?:data\s+)?"
           r"(?:drift|drift\s+alerts?|alerts?)(?:\s+in\s+(?P<prod9>prod(?:uction)?)|\s+anywhere|\s+right\s+now|\s+now)?$"
           r"|^(?:is|are)\s+" + _NO_VERB + r"(?P<x>.+?)\s+(?:currently\s+|still\s+)?drifting$"
           r"|^(?:does|do|did)\s+(?P<y>.+?)\s+(?:have|show)\s+(?:any\s+)?(?:data\s+)?drift$"
           r"|^(?:(?:what\s+is|what's|what’s|show\s+(?:me\s+)?)\s+)?(?:is\s+there\s+)?(?:any\s+|the\s+)?"
           r"(?:(?P<severity4>" + _SEVERITY_WORDS + r")" + _LEVEL + r"\s+)?(?:(?:data\s+|feature\s+)?drift\s+"
           r"(?:alerts?\s+|warnings?\s+)?|(?:monitoring\s+|drift\s+)?alerts?\s+)(?:on|for|in|of)\s+(?!prod(?:uction)?$)"
           r"(?P<w>.+)$"
           r"|" + _terse("v", r"(?:drift|drift\s+alerts?|alerts?|monitoring\s+alerts?)"),
           "which models are drifting", answers.drifting),
    # Last: any shape above that reads the query says more than a list of its kind.
    _shape("of_kind", r"^(?:show|list|find|get|give)\s+(?:me\s+)?(?:(?:all|every|each)\s+(?:of\s+)?)?(?:the\s+|our\s+)?"
           r"(?P<kind>" + _KIND + r")(?:\s+" + _ON_RECORD + r")?$"
           r"|^(?:all|every)\s+(?:of\s+)?(?:the\s+|our\s+)?(?P<kind2>" + _KIND + r")(?:\s+" + _ON_RECORD + r")?$"
           r"|^(?:which|what)\s+(?P<kind3>" + _KIND + r")\s+" + _ON_RECORD + r"$"
           r"|^how\s+many\s+(?P<kind4>" + _KIND + r")(?:\s+" + _ON_RECORD + r")?$",
           "list all datasets", answers.of_kind),
)


def matches(query: str) -> Iterator[tuple[Shape, dict[str, str]]]:
    """The shapes ``query`` matches, in order, with their named parts (entity texts cleaned).

    An entity text holding a clause of its own ("data that a reviewer worried
    about") makes no match: the query says more than the shape can answer, so
    it is ranked instead.
    """
    text = _POLITE.sub("", _POLITE_END.sub("", " ".join(query.strip().rstrip("?.!").split()))) or query.strip()
    text = _BARE_CONTRACTIONS.sub(r"\1's", text)
    for shape in SHAPES:
        found = shape.pattern.search(text)
        if found is None:
            continue
        parts = {_part(k): clean_entity(v) for k, v in found.groupdict().items() if v is not None}
        entities = [v for k, v in parts.items() if k in _ENTITIES]
        if all(parts.values()) and not any(_CLAUSE.search(v) or _NEGATION.match(v) for v in entities):
            yield shape, parts


def match(query: str) -> tuple[Shape, dict[str, str]] | None:
    """The first shape ``query`` matches and its named parts, or None."""
    return next(matches(query), None)


#: How people open a question without changing it ("can you tell me which runs…", "please list…").
_POLITE = re.compile(r"^(?:(?:please|pls|hey|hi|so|ok|okay|can\s+you|could\s+you|would\s+you|will\s+you|tell\s+me|"
                     r"i\s+want\s+to\s+know|i'd\s+like\s+to\s+know|i\s+would\s+like\s+to\s+know|do\s+you\s+know|"
                     r"help\s+me\s+find|i\s+need\s+to\s+know|i\s+need|i\s+want)[\s,]+)+", re.IGNORECASE)
#: Contractions typed without their apostrophe ("whats live", "whos deployed X").
_BARE_CONTRACTIONS = re.compile(r"\b(what|who|where)s\b", re.IGNORECASE)
#: How people close a question without changing it ("show me all datasets please", "..., thanks").
_POLITE_END = re.compile(r"(?:[\s,]+(?:please|pls|thanks|thank\s+you|thx|cheers))+[?.!]*$", re.IGNORECASE)
#: Alternatives of one pattern name the same part by other group names (a group name is unique per pattern).
_ALIASES = {"y": "x", "z": "x", "w": "x", "v": "x", "u": "x", "t": "x", "s": "x", "r": "x", "q": "x", "p": "x",
            "o": "x", "n": "x", "m": "x", "c": "b"}


def _part(group: str) -> str:
    """The part a pattern's group names: a group numbered in another alternative is the part unnumbered ("state3" is
    "state"); then its alias; every ``exact...`` group is ``exact`` (``_terse``)."""
    name = group.rstrip("0123456789")
    return _ALIASES.get(name, "exact" if name.startswith("exact") else name)


#: The parts that name entities (the others are words of the shape: a verb, a state, an environment...).
_ENTITIES = frozenset({"x", "a", "b", "person", "exact", "since"})
#: An entity text that is a negation ("datasets no model uses") names nothing: the query is another shape.
_NEGATION = re.compile(r"(?:no|nothing|nobody|none|never|not)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"\b(?:that|which|who|whose|where|when|because|but|so|if|while|after|before)\b", re.IGNORECASE)


def clean_entity(text: str) -> str:
    """Entity text without quotes, a leading article or kind word, bounded."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^(?:job|run|dataset|model|commit|person)\s+(?=\S)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s+as\s+(?:an?\s+)?(?:training\s+)?(?:data|inputs?|sources?|features?)$", "", text,
                  flags=re.IGNORECASE)
    return text.strip().strip("\"'`“”‘’").strip()[:MAX_ENTITY_CHARS].strip()

