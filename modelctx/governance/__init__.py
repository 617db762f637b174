"""Governance: audit reports, PROV export, policies, flags and the portfolio.

Everything here reads the graph through the store's public methods only, so it
works the same on every backend, on a project's view and on the graph as of a
past time (``graph/snapshot.py``).
"""
