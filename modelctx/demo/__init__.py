"""The demo world: datasets, tracked runs, reviews, deployments and monitoring built by the real modules."""
