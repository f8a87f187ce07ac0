"""meetings views."""

urls: list = []
