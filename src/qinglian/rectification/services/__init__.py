"""Rectification's writes and the reads they share, one module per area (items: the items and their evidence)."""
