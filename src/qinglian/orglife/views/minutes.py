"""minutes views."""

urls: list = []
