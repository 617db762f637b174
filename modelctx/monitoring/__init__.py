"""Monitoring: drift and performance of a deployment against its training data, written to the graph."""
