from django.core.management.base import BaseCommand

from qinglian.core import crypto
from qinglian.orgs.services import members_rekey


class Command(BaseCommand):
    help = (
        "Re-encrypt members' identity numbers and recompute their search index under the configured "
        "QINGLIAN_CRYPTO suite (run once after switching suites)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Rewriting identity numbers under the '{crypto.suite()}' suite…")
        done = members_rekey(actor=None, progress=lambda n: self.stdout.write(f"  {n} members"))
        self.stdout.write(self.style.SUCCESS(f"Done: {done} members rewritten."))
