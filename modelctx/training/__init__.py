"""Tracked training: runs that record what they used and what they made, as they happen."""
