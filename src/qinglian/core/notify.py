"""Notifications: the in-app inbox, and email for those who have an address."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from qinglian.core.models import Notification


def notification_send(
    *, users, title: str, body: str = "", url: str = "", kind: str = "", dedupe_key: str = "", email: bool = False
) -> list[Notification]:
    """Put a message in each user's inbox (once per `dedupe_key`), and email it if asked.

    Titles and bodies are stored as given: callers render them in the recipient's language.
    """
    users = list({user.pk: user for user in users}.values())
    if dedupe_key and users:  # already sent under this key: a reminder is not repeated
        already = set(
            Notification.objects.filter(dedupe_key=dedupe_key, user__in=[u.pk for u in users]).values_list(
                "user_id", flat=True
            )
        )
        users = [user for user in users if user.pk not in already]
    notes = [
        Notification(user=user, title=title[:200], body=body, url=url, kind=kind, dedupe_key=dedupe_key)
        for user in users
    ]
    if not notes:
        return []
    try:
        with transaction.atomic():
            sent = Notification.objects.bulk_create(notes)
    except IntegrityError:  # another process sent some of them since the check: one at a time, skipping those
        sent = []
        for note in notes:
            try:
                with transaction.atomic():
                    note.save(force_insert=True)
            except IntegrityError:
                continue
            sent.append(note)
    for note in sent if email else ():
        if note.user.email:
            text = f"{body}\n\n{url}".strip()
            send_mail(title, text, settings.DEFAULT_FROM_EMAIL, [note.user.email], fail_silently=True)
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return sent


def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
