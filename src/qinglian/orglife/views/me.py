"""me views."""

urls: list = []
