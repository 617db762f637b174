"""What a search says besides its hits, in one place for the in-process search and the CLI's printer.

Only the standard library here: ``modelctx search`` prints an answer a local
server gave (``api/endpoint.py``) without importing the search package's
numeric modules.
"""

from __future__ import annotations

SEMANTIC_OFF_NOTE = "semantic search is off (keyword only); enable it with: pip install 'modelctx[search]'"


def no_results(query: str) -> str:
    """What a search that found nothing says (the CLI, the API)."""
    return f"no results for {query!r}: nothing in the graph matches it"


def nothing_answers(question: str) -> str:
    """What a search says when it read the query as a question about structure that nothing in the graph
    answers: any hits are only ranked by words and meaning, not answers (``search/questions/``)."""
    return (f"read as a question about structure ({question!r}): nothing in the graph answers it; "
            "any hits are ranked by words and meaning, not answers")
