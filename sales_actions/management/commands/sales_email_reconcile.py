"""Settle outbox rows whose fate is unknown (a worker died mid-send).

manage.py sales_email_reconcile --sweep
    Mark stale ``sending`` rows unknown now and hand forgotten ``queued`` rows out again.
manage.py sales_email_reconcile --accepted-ids maillog.txt
    Every unknown row whose Message-ID appears in the file (e.g. grepped from the MTA
    log) is marked sent; every other unknown row is resent with the same Message-ID.
manage.py sales_email_reconcile --mark-sent 12 13 / --resend 14 / --fail 15
"""

import re

from django.core.management.base import BaseCommand, CommandError

from abm.exceptions import ApplicationError
from sales_actions.models import SalesEmail
from sales_actions.services import sales_email_reconcile, sales_emails_sweep


class Command(BaseCommand):
    help = "Settle unknown sales emails from the mail server's log, or by id."

    def add_arguments(self, parser):
        parser.add_argument("--sweep", action="store_true", help="Run the periodic sweep now.")
        parser.add_argument("--stale-now", action="store_true", help="With --sweep: lease 0 s.")
        parser.add_argument("--accepted-ids", help="File listing Message-IDs the server accepted.")
        parser.add_argument("--mark-sent", nargs="*", type=int, default=[])
        parser.add_argument("--resend", nargs="*", type=int, default=[])
        parser.add_argument("--fail", nargs="*", type=int, default=[])

    def handle(self, *args, **opts):
        if opts["sweep"]:
            from django.test.utils import override_settings

            if opts["stale_now"]:
                with override_settings(SALES_EMAIL_SENDING_LEASE_SECONDS=0):
                    result = sales_emails_sweep()
            else:
                result = sales_emails_sweep()
            self.stdout.write(f"unknown: {result['unknown']}, requeued: {result['requeued']}")
        plan: list[tuple[int, str]] = []
        if opts["accepted_ids"]:
            with open(opts["accepted_ids"], encoding="utf-8") as handle:
                accepted = set(re.findall(r"<[^<>\s]+>", handle.read()))
            for pk, message_id in SalesEmail.objects.filter(
                status=SalesEmail.Status.UNKNOWN
            ).values_list("pk", "message_id"):
                plan.append((pk, "sent" if message_id in accepted else "resend"))
        plan += [(pk, "sent") for pk in opts["mark_sent"]]
        plan += [(pk, "resend") for pk in opts["resend"]]
        plan += [(pk, "failed") for pk in opts["fail"]]
        done = {"sent": 0, "resend": 0, "failed": 0}
        for pk, outcome in plan:
            email = SalesEmail.objects.filter(pk=pk).first()
            if email is None:
                raise CommandError(f"No sales email {pk}.")
            try:
                sales_email_reconcile(email=email, outcome=outcome)
            except ApplicationError as exc:
                raise CommandError(f"{pk}: {exc.message}") from exc
            done[outcome] += 1
        if plan:
            self.stdout.write(
                f"marked sent: {done['sent']}, resent: {done['resend']}, failed: {done['failed']}"
            )
