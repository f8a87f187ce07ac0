"""compliance views."""

urls: list = []
