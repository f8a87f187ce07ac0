import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qinglian.core.registry import registry


class Command(BaseCommand):
    help = "Migrate, load the demo organisation (once), print the demo logins and serve."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300, help="members on the demo register (default 300)")
        parser.add_argument("--no-serve", action="store_true", help="load and print the logins, then exit")
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, members, no_serve, bind, **options):
        if members < 20:
            raise CommandError("--members must be at least 20 (enough for every branch and demo login).")
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        self.stdout.write("Loading the demo organisation unless it is there (the first time takes about a minute)...")
        self.stdout.flush()
        results = []
        with transaction.atomic():
            for _order, load in registry.demo:
                results.append(load(members=members))
        if any(r.get("loaded") for r in results):
            self.stdout.write(f"Demo organisation loaded in {time.monotonic() - started:.1f} s.")
        else:
            self.stdout.write("Demo organisation already loaded; keeping its data.")
        for result in results:
            if result.get("logins"):
                self.stdout.write(f"\nDemo logins (password for all: {result['password']}):")
                for username, role_zh, role_en in result["logins"]:
                    self.stdout.write(f"  {username:<14} {role_zh}  /  {role_en}")
                self.stdout.write("")
            for note in result.get("notes", ()):
                self.stdout.write(note)
        if settings.TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "Two-factor authentication is ON: privileged roles enrol an authenticator app at first login "
                "(start with QINGLIAN_2FA_REQUIRED=0 to try the demo without one)."
            )
        else:
            self.stdout.write(
                "Two-factor authentication is OFF in this demo; start with QINGLIAN_2FA_REQUIRED=1 to require it "
                "for privileged roles, as in production."
            )
        if not no_serve:
            call_command("serve", bind=bind, with_worker=True)
