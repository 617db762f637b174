"""Governance: audit reports, PROV export, policies, flags, history (as-of) and the portfolio.

Everything here reads the graph through the GraphStore protocol only, so it
works the same on every backend and on a past snapshot of the graph
(:mod:`modelctx.governance.history`).
"""
