"""The HTTP service: REST under /api/v1, the OpenLineage endpoint and the web page."""
