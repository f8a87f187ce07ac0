"""Rectification's pages, one module per area, each listing its own URL patterns in `urls`."""
