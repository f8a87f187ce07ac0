from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qinglian.core.backup import BackupError, create_backup, default_archive_name, write_keys


class Command(BaseCommand):
    help = (
        "Write a backup archive (.tar or .tar.gz): a consistent snapshot of the database, the uploaded files and a "
        "manifest with the SHA-256 of every member. The keys are never in it: save them once with --keys-out DIR "
        "(or --keys DIR alone) and store that folder apart from the backups."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="archive to write (.tar, .tar.gz or .tgz; default: backups/qinglian-backup-TIME.tar.gz "
            "in the data folder)",
        )
        parser.add_argument("--keys-out", metavar="DIR", help="also write the key files into DIR (store it apart)")
        parser.add_argument("--keys", metavar="DIR", help="only write the key files into DIR; no archive")
        parser.add_argument(
            "--pg-bin", metavar="DIR", help="folder of pg_dump (default: the server's version, or PATH)"
        )

    def handle(self, *args, output, keys_out, keys, pg_bin, **options):
        def progress(message):
            self.stdout.write(message)
            self.stdout.flush()

        try:
            if keys:
                if output or keys_out:
                    raise CommandError("--keys DIR writes only the keys; give the archive without it.")
                self._write_keys(Path(keys), None)
                return
            target = Path(output) if output else Path(settings.DATA_DIR) / "backups" / default_archive_name()
            if keys_out:
                self._write_keys(Path(keys_out), target)
            create_backup(target, progress=progress, pg_bin=pg_bin)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not keys_out:
            self.stdout.write(
                "The keys are not in the archive. If you have not saved them yet: qinglian backup --keys DIR "
                "(and keep DIR apart from the backups)."
            )

    def _write_keys(self, folder: Path, archive: Path | None) -> None:
        if archive is not None and folder.resolve() == archive.resolve().parent:
            raise CommandError("--keys-out must not be the archive's own folder: store the keys apart from backups.")
        written = write_keys(folder)
        self.stdout.write(
            self.style.WARNING(
                f"Wrote {len(written)} key files to {folder}. Store this folder apart from the backups: "
                "a restore needs these keys, and a backup with its keys opens everything."
            )
        )
