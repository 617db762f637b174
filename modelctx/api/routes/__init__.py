"""One module per resource; each exposes ``router`` (set ``AT_ROOT = True`` to mount at /)."""
