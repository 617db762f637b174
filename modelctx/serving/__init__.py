"""Model serving gated by approval: deployments and prediction logs recorded in the graph."""
