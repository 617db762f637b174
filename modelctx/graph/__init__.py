"""The provenance graph: domain model, ids, the GraphStore protocol and its backends."""
