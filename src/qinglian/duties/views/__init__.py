"""Duties' pages, one module per area; each lists its own URL patterns in `urls`."""
