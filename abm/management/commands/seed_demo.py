"""``manage.py seed_demo --accounts N --seed S``: build the demo data set of the whole hub.

It lives in ``abm`` (the project) because it composes every app: the CRM book of
``accounts`` first, then the demo data of the apps built on it (see ``abm.demo``).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abm.demo import hub_demo_seed
from accounts.demo import demo_flush, demo_logins
from accounts.models import Account, User


class Command(BaseCommand):
    help = (
        "Build realistic, deterministic demo data: users, companies, contacts, leads, deals, "
        "six months of activities and open tasks. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=300, help="Companies (default 300).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--activities-per-contact",
            type=float,
            default=10,
            help="Mean random activities per contact before chains (default 10).",
        )
        parser.add_argument(
            "--target-share",
            type=float,
            default=0.2,
            help="Share of companies marked as target accounts (default 0.2).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when accounts already exist.",
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete every CRM record (not users) before seeding.",
        )
        parser.add_argument(
            "--no-app-hooks",
            action="store_true",
            help="Skip the demo data of buying_groups, sales_actions and analytics.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off (demo users have published passwords).",
        )

    def handle(self, *args, **options):
        n = options["accounts"]
        if n < 1:
            raise CommandError("--accounts must be at least 1.")
        if not 0 <= options["target_share"] <= 1:
            raise CommandError("--target-share must be between 0 and 1.")
        if options["activities_per_contact"] < 0:
            raise CommandError("--activities-per-contact cannot be negative.")
        writes = options["flush"] or not (options["if_empty"] and Account.objects.exists())
        if writes and not settings.DEBUG and not options["force"]:
            # Demo users have published passwords, and --flush deletes every CRM record.
            raise CommandError(
                "DEBUG is off, so this looks like a production hub: seed_demo would create "
                "users whose passwords are published (and --flush deletes every record). "
                "Run it with DEBUG=true, or pass --force if you really mean it."
            )
        if options["flush"]:
            demo_flush()
            self.stdout.write("Flushed the CRM records.")
        elif options["if_empty"] and Account.objects.exists():
            self.stdout.write("Accounts already exist; demo data left as it is.")
            self._print_logins(demo_logins(n), existing_only=True)
            return
        self.stdout.write(f"Seeding demo data: {n:,} accounts, seed {options['seed']}…")
        result = hub_demo_seed(
            accounts=n,
            seed=options["seed"],
            activities_per_contact=options["activities_per_contact"],
            target_share=options["target_share"],
            stdout=self.stdout,
            with_apps=not options["no_app_hooks"],
        )
        summary = ", ".join(f"{key} {value:,}" for key, value in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {result.seconds:.1f}s: {summary}."))
        self._print_logins(result.logins, existing_only=False)

    def _print_logins(self, logins, *, existing_only: bool) -> None:
        if existing_only:
            present = set(
                User.objects.filter(username__in=[x.username for x in logins]).values_list(
                    "username", flat=True
                )
            )
            logins = [x for x in logins if x.username in present]
            if not logins:
                self.stdout.write("No demo users exist; run seed_demo --flush to create them.")
                return
        url = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(f"Open {url} and sign in as:")
        self.stdout.write(f"  {'username':<10} {'password':<22} role")
        self.stdout.write(f"  {'-' * 10} {'-' * 22} {'-' * 10}")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.password:<22} {login.role}")
        self.stdout.write("  (an account that existed before seeding keeps its own password)\n")
