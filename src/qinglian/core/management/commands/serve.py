import fcntl
import os
import re
import subprocess
import sys

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management.base import BaseCommand
from gunicorn.glogging import Logger

# The access log never names who asked: gunicorn's default format starts with the client's address (%(h)s) and ends
# with the browser string (%(a)s), and the reporting portal promises reporters that neither is kept anywhere. So every
# path is logged as time, method, path without its query, protocol, status, size and duration; no address, no
# browser, no referrer, no query string, no header. Keep it so if you change it, and keep a reverse proxy's log
# likewise.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


class AddresslessLogger(Logger):
    """gunicorn's logger, without the client address that it writes into the error log of a malformed request
    ("Invalid request from ip=…")."""

    ADDRESS = re.compile(r"\bip=\S*?(?=: )")

    def warning(self, msg, *args, **kwargs):
        super().warning(self.ADDRESS.sub("ip=-", str(msg)), *args, **kwargs)


def static_current() -> bool:
    """Whether the collected files are newer than every source file: collecting (hashing and compressing some
    thousand files) takes minutes of CPU, and a server restarted, or the second of several sharing the data folder,
    need not do it again."""
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = 0.0
    for finder in get_finders():
        for path, storage in finder.list([]):
            newest = max(newest, os.path.getmtime(storage.path(path)))
    return newest < manifest.stat().st_mtime


class Command(BaseCommand):
    help = "Serve Qinglian with gunicorn sync workers (one per core), optionally with a task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("QINGLIAN_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
        parser.add_argument("--with-worker", action="store_true", help="also run `qinglian worker` in the background")

    def handle(self, *args, bind, workers, with_worker, **options):
        worker = None
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "qinglian.cli", "worker", "--quiet"])
        if not settings.DEBUG:
            # Several servers may share one data folder (docs/deploy.md): one collects at a time, the others
            # wait and then find the files in place.
            settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
            with open(settings.STATIC_ROOT / ".collectstatic.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not static_current():
                    command = [sys.executable, "-m", "qinglian.cli", "collectstatic", "--noinput", "-v0"]
                    subprocess.run(command, check=True)
        self.stdout.write(f"Serving on http://{bind}/  (Ctrl-C stops)")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "qinglian.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--access-logfile",
            "-" if options["verbosity"] > 1 else "/dev/null",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--logger-class",
            f"{__name__}.AddresslessLogger",
            "--error-logfile",
            "-",
        ]
        try:
            subprocess.run(command, check=False)
        except KeyboardInterrupt:
            pass
        finally:
            if worker:
                worker.terminate()
                worker.wait(10)
