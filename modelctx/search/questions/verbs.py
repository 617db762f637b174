"""The verbs of questions about people ("what did Ada change", "who trained X"), as typed, and the acts they name.

One table serves the parser (``search/questions/patterns.py`` accepts every
form here) and the answers (``search/questions/answers.py`` reads the act):
"turned down" is reject, "shipped" is ship, "kicked off" is run.
"""

from __future__ import annotations

from modelctx.graph.model import NodeKind

K = NodeKind

#: Verbs of "what did PERSON <verb>" → the kinds attributed to the person that answer it.
VERB_KINDS: dict[str, tuple[NodeKind, ...]] = {
    "change": (K.COMMIT,), "commit": (K.COMMIT,), "write": (K.COMMIT,), "author": (K.COMMIT,),
    "push": (K.COMMIT,), "review": (K.REVIEW,), "approve": (K.REVIEW,), "reject": (K.REVIEW,),
    "deploy": (K.DEPLOYMENT,), "ship": (K.DEPLOYMENT,), "release": (K.DEPLOYMENT,), "train": (K.RUN,),
    "run": (K.RUN,), "work": (K.COMMIT, K.REVIEW, K.DEPLOYMENT, K.RUN), "do": (K.COMMIT, K.REVIEW, K.DEPLOYMENT, K.RUN),
    "touch": (K.COMMIT,), "sign": (K.REVIEW,), "own": (K.MODEL, K.DATASET, K.FEATURE, K.JOB),
}
#: Every form of a verb as typed (tenses, nouns, synonyms) → its ``VERB_KINDS`` key.
VERB_FORMS: dict[str, str] = {
    "changed": "change", "changes": "change", "committed": "commit", "commits": "commit",
    "wrote": "write", "written": "write", "authored": "author", "pushed": "push",
    "reviewed": "review", "reviews": "review", "approved": "approve", "rejected": "reject",
    "deployed": "deploy", "deployments": "deploy", "deployment": "deploy", "shipped": "ship",
    "released": "release", "trained": "train", "ran": "run", "runs": "run", "worked": "work",
    "done": "do", "did": "do", "touched": "touch", "signed": "sign", "approvals": "approve",
    "rejections": "reject", "trainings": "train", "commit": "commit",
    # synonyms people type for the same acts
    "releases": "release", "rollouts": "deploy", "roll out": "deploy", "rolled out": "deploy",
    "launch": "deploy", "launched": "deploy", "promote": "deploy", "promoted": "deploy",
    "put live": "deploy", "put in production": "deploy", "pushes": "push",
    "decline": "reject", "declined": "reject", "refuse": "reject", "refused": "reject",
    "turn down": "reject", "turned down": "reject", "veto": "reject", "vetoed": "reject",
    "green-light": "approve", "green-lit": "approve", "greenlit": "approve", "green-lighted": "approve",
    "okay": "approve", "okayed": "approve", "ok'd": "approve", "accept": "approve", "accepted": "approve",
    "sign off": "approve", "signed off": "approve", "sign off on": "approve", "signed off on": "approve",
    "sign-offs": "approve", "signoffs": "approve",
    "fit": "train", "fitted": "train", "modify": "change", "modified": "change", "edit": "change",
    "edited": "change", "own": "own", "owns": "own", "owned": "own",
    "working": "work", "committing": "commit", "reviewing": "review", "deploying": "deploy",
    "changing": "change", "training": "train", "running": "run", "shipping": "ship",
    "start": "run", "started": "run", "kick off": "run", "kicked off": "run", "execute": "run",
    "executed": "run", "experiments": "run", "trials": "run",
}
#: Acts of "who <verb> X" → the kinds of node upstream of X (or X itself) whose persons answer it.
WHO_ACTS: dict[str, tuple[NodeKind, ...]] = {
    "train": (K.RUN,), "commit": (K.COMMIT,), "change": (K.COMMIT,), "write": (K.COMMIT,), "author": (K.COMMIT,),
    "push": (K.COMMIT,), "own": (K.MODEL, K.DATASET, K.FEATURE, K.JOB, K.MODEL_VERSION, K.DATASET_VERSION),
}


def verb_of(text: str) -> str:
    """The act a verb as typed names (``VERB_KINDS`` key): "turned down" is reject, "shipped" is ship."""
    verb = " ".join(text.lower().split())
    return VERB_FORMS.get(verb, verb)
