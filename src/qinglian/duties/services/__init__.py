"""Writes to duties, work plans and assessment: keyword-only functions that check, save and audit in one transaction."""
