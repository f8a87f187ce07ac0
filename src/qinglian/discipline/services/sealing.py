"""Sealing a reporter's identity: envelope encryption under the sealing key (settings.SEALED_KEY), which is kept
outside the database — in the environment (QINGLIAN_SEALED_KEY) or a key file (QINGLIAN_SEALED_KEY_FILE).

Each identity gets its own random data key; only that key, wrapped under the sealing key, is stored beside the
ciphertext. Opening is done only by services.sealed (after a second person's approval), which audits it.
"""

from __future__ import annotations

import json

from django.conf import settings

from qinglian.core import crypto

IDENTITY_FIELDS = ("name", "phone", "email", "id_number", "address", "unit")


def seal_identity(target, identity: dict | None) -> None:
    """Seal `identity` (name, phone, …) onto `target` (a Report or a Clue); an empty one leaves it anonymous."""
    clean = {k: str(identity.get(k) or "").strip() for k in IDENTITY_FIELDS} if identity else {}
    if not any(clean.values()):
        target.is_anonymous = True
        target.identity_sealed = target.identity_key = ""
        return
    target.is_anonymous = False
    target.identity_sealed, target.identity_key = crypto.envelope_seal(
        json.dumps(clean, ensure_ascii=False), kek=settings.SEALED_KEY
    )


def open_identity(target) -> dict:
    """The sealed identity as a dict. Call only through services.sealed, which checks approval and audits."""
    if not target.identity_sealed:
        return {}
    return json.loads(crypto.envelope_open(target.identity_sealed, target.identity_key, kek=settings.SEALED_KEY))
