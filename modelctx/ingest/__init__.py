"""Ingestors: one module per source, each turning its input into typed nodes and edges.

Ingestors import only ``graph.model`` and ``graph.ids``; ``runner.py`` owns
batching, transactions, progress and the report.
"""
