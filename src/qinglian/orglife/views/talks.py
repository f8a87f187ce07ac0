"""talks views."""

urls: list = []
