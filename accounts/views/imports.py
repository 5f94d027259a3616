"""CSV import pages: upload a file, follow a job's progress, download a template."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat, pluralize
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from abm.exceptions import ApplicationError, ForbiddenError
from abm.forms import ServiceForm
from accounts.models import ImportJob
from accounts.services.imports import (
    COLUMNS,
    REQUIRED,
    ImportRejected,
    import_check_role,
    import_start,
    import_template_csv,
    import_upload_read,
)

RECENT_JOBS = 20


class ImportForm(ServiceForm):
    kind = forms.ChoiceField(choices=ImportJob.Kind.choices, label=_("What to import"))
    file = forms.FileField(label=_("CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8, comma-separated, header row first; at most %(size)s."
        ) % {"size": filesizeformat(settings.CSV_IMPORT_MAX_BYTES)}


def _forbidden(request, message: str) -> HttpResponse:
    return render(request, "accounts/import_forbidden.html", {"message": message}, status=403)


def _columns():
    return [
        {"kind": kind, "label": label, "columns": COLUMNS[kind], "required": REQUIRED[kind]}
        for kind, label in ImportJob.Kind.choices
    ]


@login_required
def import_page(request):
    """Choose a kind, upload a file, see recent jobs."""
    try:
        import_check_role(request.user)
    except ForbiddenError as exc:
        return _forbidden(request, exc.message)
    rejected: ImportRejected | None = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_start(
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    raw=import_upload_read(upload),
                    filename=upload.name,
                )
            except ImportRejected as exc:
                rejected = exc
                form.add_error("file", exc.message)
            except ApplicationError as exc:
                form.add_application_error(exc)
            else:
                if job.status == ImportJob.Status.SUCCEEDED:
                    messages.success(
                        request,
                        f"Imported {job.total_rows} row{pluralize(job.total_rows)}: "
                        f"{job.created_count} created, "
                        f"{job.updated_count} updated.",
                    )
                elif job.status == ImportJob.Status.FAILED:
                    messages.error(request, "The file was rejected; nothing was imported.")
                return redirect("accounts:import_detail", pk=job.pk)
    else:
        form = ImportForm(initial={"kind": request.GET.get("kind", ImportJob.Kind.ACCOUNTS)})
    jobs = ImportJob.objects.select_related("created_by").defer("content")[:RECENT_JOBS]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/import.html",
        {"form": form, "jobs": jobs, "rejected": rejected, "kinds": _columns()},
        status=status,
    )


@login_required
@require_GET
def import_detail(request, pk: int):
    """A job's progress (polled by htmx every second while it runs), then its result."""
    try:
        import_check_role(request.user)
    except ForbiddenError as exc:
        return _forbidden(request, exc.message)
    job = get_object_or_404(ImportJob.objects.select_related("created_by").defer("content"), pk=pk)
    context = {"job": job, "finished": job.status in (job.Status.SUCCEEDED, job.Status.FAILED)}
    if request.htmx:
        return render(request, "accounts/import_job_status.html", context)
    return render(request, "accounts/import_detail.html", context)


@login_required
@require_GET
def import_template(request, kind: str):
    """A CSV with the header and one example row, to fill in a spreadsheet."""
    if kind not in COLUMNS:
        return HttpResponse("Unknown import kind.", status=404, content_type="text/plain")
    response = HttpResponse(import_template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="abm-hub-{kind}-template.csv"'
    return response


urlpatterns = [
    path("import/", import_page, name="import"),
    path("import/<int:pk>/", import_detail, name="import_detail"),
    path("import/template/<str:kind>.csv", import_template, name="import_template"),
]
