"""``python -m modelctx``: the same as the ``modelctx`` command."""

from modelctx.cli import run

run()
