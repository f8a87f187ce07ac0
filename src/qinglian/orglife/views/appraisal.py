"""appraisal views."""

urls: list = []
