"""Duties' forms, one module per area."""
