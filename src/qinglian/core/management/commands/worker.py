import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from qinglian.core.jobs import job_heartbeats_on, job_reap_abandoned
from qinglian.core.tasks import schedule_due


class Command(BaseCommand):
    help = "Run background tasks (database queue, or RQ when REDIS_URL is set) and queue the daily ones."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls when idle")
        parser.add_argument("--once", action="store_true", help="run what is queued now, then exit")
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, interval, once, quiet, **options):
        run_batch = self._rq_batch if settings.REDIS_URL else self._db_batch
        if not quiet:
            self.stdout.write("Worker started ({}).".format("RQ" if settings.REDIS_URL else "database queue"))
        job_heartbeats_on()
        try:
            while True:
                close_old_connections()
                job_reap_abandoned()  # jobs left "running" by a worker that died
                schedule_due()
                run_batch()
                if once:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            return

    def _db_batch(self):
        from django_tasks_db.management.commands.db_worker import Worker

        Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=uuid.uuid4().hex,
            excluded_queue_names=[],
        ).run()

    def _rq_batch(self):
        import django_rq
        from django_tasks_rq.backend import Job

        django_rq.get_worker("default", job_class=Job).work(burst=True, logging_level="WARNING")
