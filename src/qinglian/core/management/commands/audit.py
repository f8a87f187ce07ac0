import sys

from django.core.management.base import BaseCommand, CommandError

from qinglian.core.audit import audit_filter, audit_jsonl_lines, audit_verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain (verify) or write it out as JSON lines (export)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="report the first broken link, if any")
        export = sub.add_parser("export", help="JSON lines on standard output or to a file")
        export.add_argument("--output", "-o", help="file to write (default: standard output)")
        export.add_argument("--since", help="only events on or after this date (YYYY-MM-DD)")
        export.add_argument("--after-seq", type=int, help="only events after this sequence number")

    def handle(self, *args, action, **options):
        if action == "verify":
            result = audit_verify()
            if not result.ok:
                raise CommandError(
                    f"Audit chain BROKEN after checking {result.checked} events: {result.breaks[0].problem}."
                )
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} events checked."))
            return
        try:
            events = audit_filter({"since": options.get("since") or "", "after_seq": options.get("after_seq")})
        except ValueError:
            raise CommandError(f"--since {options['since']!r} is not a date (YYYY-MM-DD).") from None
        if not options.get("output"):
            sys.stdout.writelines(audit_jsonl_lines(events))
            return
        with open(options["output"], "w", encoding="utf-8") as out:
            out.writelines(audit_jsonl_lines(events))
        self.stderr.write(f"Wrote {events.count()} events to {options['output']}.")
