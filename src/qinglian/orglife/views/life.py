"""life views."""

urls: list = []
