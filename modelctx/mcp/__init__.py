"""modelctx for AI assistants: a Model Context Protocol server over the system of record.

``modelctx mcp`` serves it over stdio on the local store (``mcp/stdio.py``);
``modelctx serve`` also serves it over streamable HTTP at ``/mcp``
(``mcp/http.py``) with the REST API's tokens and project scopes. The tools
and resources are in ``mcp/server.py``, what each answers in ``mcp/tools.py``.
Needs the ``mcp`` extra (``pip install 'modelctx[mcp]'``).
"""
