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
    sent = []
    for user in users:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, title=title[:200], body=body, url=url, kind=kind, dedupe_key=dedupe_key
                )
        except IntegrityError:
            continue  # already sent under this key: a reminder is not repeated
        if email and user.email:
            send_mail(title, f"{body}\n\n{url}".strip(), settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        sent.append(note)
    return sent


def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
