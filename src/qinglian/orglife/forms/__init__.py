"""Organisational life's forms: one module per area."""
