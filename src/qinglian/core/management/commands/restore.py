from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qinglian.core.audit import audit_verify
from qinglian.core.backup import BackupError, check_keys, read_manifest, restore_backup, verify_archive


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database and media folder (or replace them with --force): checks the "
        "keys and every member's SHA-256 first, then restores the database and the uploaded files, migrates, and "
        "verifies the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar or .tar.gz written by `qinglian backup`")
        parser.add_argument("--force", action="store_true", help="replace a database or media folder that has data")
        parser.add_argument("--check", action="store_true", help="only check the archive and the keys; change nothing")
        parser.add_argument("--pg-bin", metavar="DIR", help="folder of pg_restore (default: the server's, or PATH)")
        parser.add_argument("--jobs", type=int, default=2, help="parallel pg_restore jobs (PostgreSQL; default 2)")

    def handle(self, *args, archive, force, check, pg_bin, jobs, **options):
        def progress(message):
            self.stdout.write(message)
            self.stdout.flush()

        path = Path(archive)
        try:
            if check:
                manifest = read_manifest(path)
                for warning in check_keys(manifest):
                    self.stdout.write(self.style.WARNING(warning))
                verify_archive(path, manifest, progress=progress)
                self.stdout.write(self.style.SUCCESS(f"{path} is intact and matches this installation's keys."))
                return
            result = restore_backup(path, force=force, progress=progress, pg_bin=pg_bin, jobs=max(1, jobs))
        except BackupError as error:
            raise CommandError(str(error)) from None
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if result.media_set_aside:
            self.stdout.write(self.style.WARNING(f"The previous media folder was kept as {result.media_set_aside}."))
        self.stdout.write("Checking the audit chain...")
        self.stdout.flush()
        verified = audit_verify(progress=lambda n: progress(f"  {n} events checked"))
        if not verified.ok:
            raise CommandError(
                f"Restored, but the audit chain is BROKEN after {verified.checked} events: "
                f"{verified.breaks[0].problem}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(result.counts.values())} rows in {len(result.counts)} tables and "
                f"{result.manifest['media']['files']} files; audit chain intact ({verified.checked} events)."
            )
        )
