"""``manage.py import_csv accounts|contacts path.csv``: import a file now, or print why not."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from abm.exceptions import ApplicationError
from accounts.models import ImportJob, User
from accounts.services.imports import ImportRejected, import_size_check, import_start


class Command(BaseCommand):
    help = (
        "Import accounts or contacts from a UTF-8 CSV file. All rows or none: a file with any "
        "error imports nothing, prints every row's problem and exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportJob.Kind.values)
        parser.add_argument("path", help="The CSV file.")
        parser.add_argument(
            "--as-user",
            dest="as_user",
            help="Username recorded as the importer (must be a marketer or an admin).",
        )

    def handle(self, *args, kind, path, as_user=None, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if as_user:
            user = User.objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"No user is called {as_user}.")
        try:
            import_size_check(file.stat().st_size)  # before the file is read into memory
            job = import_start(
                user=user, kind=kind, raw=file.read_bytes(), filename=file.name, inline=True
            )
        except ImportRejected as exc:
            self._report(exc.errors)
            raise CommandError(exc.message) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if job.status != ImportJob.Status.SUCCEEDED:
            self._report(job.errors)
            raise CommandError(
                f"{file.name} was rejected with {len(job.errors)} error(s); nothing was imported."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {job.total_rows} {kind} rows from {file.name}: "
                f"{job.created_count} created, {job.updated_count} updated (job #{job.pk})."
            )
        )

    def _report(self, errors) -> None:
        self.stderr.write(f"{'row':>6}  {'column':<18} problem")
        for error in errors:
            row = error.get("row") or "-"
            self.stderr.write(f"{row!s:>6}  {(error.get('column') or '-'):<18} {error['message']}")
