from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Account, Contact, ContactAccount, ImportJob
from accounts.services.imports import ImportRejected, import_start
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "Name, Domain ,INDUSTRY,employee_count,annual_revenue,country,owner,fit_score,is_target\n"
    'Acme Corp,https://www.Acme.com/about,Software,1200,"250,000,000",United States,'
    "marketer,82,yes\n"
    "Globex,globex.io,financial services,300,,Germany,MARKETER@hub.example,40,no\n"
)
CONTACTS_CSV = (
    "first_name,last_name,email,title,department,phone,account_domain,buying_roles,"
    "allow_email,allow_bulk_email,legal_basis,owner\n"
    "Jane,Doe,Jane.Doe@Acme.com,CMO,Marketing,+1 555 0100,acme.com,"
    "decision_maker; Budget holder,true,false,consent,marketer\n"
    "John,Roe,john@globex.io,Engineer,IT,,globex.io,end_user,yes,yes,,\n"
)


def _start(user, kind, text, name="file.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return import_start(user=user, kind=kind, raw=raw, filename=name)


def _rejected(user, kind, text) -> list[dict]:
    """The errors of a rejected file, whether it failed on its header or on its rows."""
    try:
        job = _start(user, kind, text)
    except ImportRejected as exc:
        return exc.errors
    assert job.status == ImportJob.Status.FAILED
    return job.errors


# --- accounts -----------------------------------------------------------------------


def test_accounts_import_creates_rows_and_marks_targets(marketer):
    job = _start(marketer, "accounts", ACCOUNTS_CSV)

    assert job.status == "succeeded"
    assert (job.created_count, job.updated_count, job.total_rows) == (2, 0, 2)
    acme = Account.objects.get(domain="acme.com")
    assert acme.name == "Acme Corp"
    assert acme.industry == "software"
    assert acme.employee_count == 1200
    assert acme.annual_revenue == 250_000_000
    assert acme.owner == marketer
    assert acme.fit_score == 82
    assert acme.is_target and acme.target_source == "import" and acme.target_since
    globex = Account.objects.get(domain="globex.io")
    assert globex.industry == "financial_services"
    assert globex.owner == marketer  # found by email, case-insensitively
    assert not globex.is_target


def test_accounts_import_updates_by_domain_and_keeps_blank_cells(marketer):
    existing = AccountFactory(
        name="Old Acme", domain="acme.com", country="Canada", employee_count=10, is_target=False
    )
    target = AccountFactory(
        name="Globex", domain="globex.io", is_target=True, target_source="manual"
    )
    text = (
        "name,domain,employee_count,country,is_target\n"
        "Acme Corporation,WWW.ACME.COM,500,,true\n"
        "Globex Inc,globex.io,,,false\n"
        "Initech,initech.example,,,\n"
    )
    job = _start(marketer, "accounts", text)

    assert (job.created_count, job.updated_count) == (1, 2)
    assert Account.objects.count() == 3
    existing.refresh_from_db()
    assert existing.name == "Acme Corporation"
    assert existing.employee_count == 500
    assert existing.country == "Canada"  # blank cell: unchanged
    assert existing.is_target and existing.target_source == "import"
    target.refresh_from_db()
    assert target.is_target and target.target_source == "manual"  # false never un-targets


def test_import_notifies_the_change_listeners(marketer, django_capture_on_commit_callbacks):
    from accounts.services import changes

    seen = []
    listener = lambda **kw: seen.append(kw)  # noqa: E731
    changes.changes_register(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _start(marketer, "accounts", ACCOUNTS_CSV)
    finally:
        changes._LISTENERS.remove(listener)
    ids = set(Account.objects.values_list("id", flat=True))
    assert any(c["kind"] == "account" and c["account_ids"] == ids for c in seen), (seen, ids)


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        ("name,domain\nAcme,acme.com\n,b.com\n", 3, "name", "needs a name"),
        ("name,domain\nAcme,acme.com\nAcme 2,WWW.acme.com\n", 3, "domain", "also on row 2"),
        ("name,domain\nAcme,not a domain\n", 2, "domain", "not a valid domain"),
        ("name,industry\nAcme,Space mining\n", 2, "industry", "is not one of"),
        ("name,owner\nAcme,nobody\n", 2, "owner", "No user"),
        ("name,employee_count\nAcme,many\n", 2, "employee_count", "not a number"),
        ("name,annual_revenue\nAcme,12x\n", 2, "annual_revenue", "not a number"),
        ("name,fit_score\nAcme,101\n", 2, "fit_score", "between 0 and 100"),
        ("name,fit_score\nAcme,-1\n", 2, "fit_score", "between 0 and 100"),
        ("name,is_target\nAcme,maybe\n", 2, "is_target", "not true or false"),
        ("name,colour\nAcme,red\n", 1, "colour", "Unknown column"),
        ("domain\nacme.com\n", 1, "name", "required column"),
        ("name,domain\nAcme,acme.com,extra\n", 2, "", "cells"),
    ],
)
def test_a_bad_accounts_file_imports_nothing_and_names_row_and_column(
    marketer, text, row, column, fragment
):
    errors = _rejected(marketer, "accounts", text)

    assert Account.objects.count() == 0
    assert any(
        e["row"] == row and e["column"] == column and fragment in e["message"] for e in errors
    ), errors


def test_one_bad_row_among_good_ones_imports_nothing_and_lists_every_error(marketer):
    text = "name,domain,fit_score\nA,a.com,10\nB,b.com,x\nC,c.com,200\nD,d.com,5\n"
    job = _start(marketer, "accounts", text)

    assert job.status == "failed"
    assert Account.objects.count() == 0
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "fit_score"), (4, "fit_score")]


def test_non_utf8_file_is_a_clear_encoding_error(marketer):
    raw = "name,country\nCafé Société,France\n".encode("latin-1")
    with pytest.raises(ImportRejected) as exc:
        _start(marketer, "accounts", raw)
    assert "not UTF-8" in exc.value.message
    assert exc.value.errors[0]["row"] == 2
    assert Account.objects.count() == 0
    assert ImportJob.objects.count() == 0


def test_utf8_with_bom_is_read(marketer):
    job = _start(marketer, "accounts", "\ufeffname,domain\nSociété Générale,sg.fr\n".encode())
    assert job.status == "succeeded"
    assert Account.objects.get(domain="sg.fr").name == "Société Générale"


@pytest.mark.parametrize("text", ["", "   \n", "name,domain\n", "name,domain\n\n\n"])
def test_empty_files_are_rejected(marketer, text):
    errors = _rejected(marketer, "accounts", text.encode())
    assert errors and ("empty" in errors[0]["message"] or "no rows" in errors[0]["message"])
    assert Account.objects.count() == 0


# --- contacts -----------------------------------------------------------------------


def test_contacts_import_links_accounts_and_upserts_by_email(marketer):
    acme = AccountFactory(domain="acme.com")
    globex = AccountFactory(domain="globex.io")
    old = ContactFactory(email="JANE.DOE@acme.com", account=globex, first_name="J", title="X")

    job = _start(marketer, "contacts", CONTACTS_CSV)

    assert (job.created_count, job.updated_count) == (1, 1)
    assert Contact.objects.count() == 2
    old.refresh_from_db()
    assert old.first_name == "Jane" and old.title == "CMO"
    assert old.account == acme
    assert sorted(old.buying_roles) == ["budget_holder", "decision_maker"]
    assert old.allow_email and not old.allow_bulk_email
    assert old.owner == marketer
    # The primary link moved; the old association stays as a plain one.
    links = dict(ContactAccount.objects.filter(contact=old).values_list("account_id", "is_primary"))
    assert links == {acme.pk: True, globex.pk: False}
    john = Contact.objects.get(email="john@globex.io")
    assert john.account == globex
    assert ContactAccount.objects.get(contact=john).is_primary


@pytest.mark.parametrize(
    ("text", "row", "column", "fragment"),
    [
        ("email\nnot-an-email\n", 2, "email", "not an email"),
        ("email\na@x.com\nA@X.com\n", 3, "email", "also on row 2"),
        ("email,first_name\n,Ann\n", 2, "email", "needs an email"),
        ("email,account_domain\na@x.com,nowhere.example\n", 2, "account_domain", "No account"),
        ("email,buying_roles\na@x.com,champion;kingmaker\n", 2, "buying_roles", "not one of"),
        ("email,legal_basis\na@x.com,because\n", 2, "legal_basis", "not one of"),
        ("email,allow_email\na@x.com,perhaps\n", 2, "allow_email", "not true or false"),
        ("email,owner\na@x.com,ghost\n", 2, "owner", "No user"),
        ("first_name\nAnn\n", 1, "email", "required column"),
    ],
)
def test_a_bad_contacts_file_imports_nothing(marketer, text, row, column, fragment):
    errors = _rejected(marketer, "contacts", text)
    assert Contact.objects.count() == 0
    assert any(
        e["row"] == row and e["column"] == column and fragment in e["message"] for e in errors
    ), errors


def test_sales_reps_cannot_import(sales_rep, client):
    from abm.exceptions import ForbiddenError

    with pytest.raises(ForbiddenError):
        _start(sales_rep, "accounts", ACCOUNTS_CSV)
    client.force_login(sales_rep)
    response = client.get(reverse("accounts:import"))
    assert response.status_code == 403
    assert b"Only marketers and admins" in response.content
    upload = SimpleUploadedFile("a.csv", ACCOUNTS_CSV.encode(), content_type="text/csv")
    response = client.post(reverse("accounts:import"), {"kind": "accounts", "file": upload})
    assert response.status_code == 403
    assert Account.objects.count() == 0


def test_admin_can_import(admin, marketer):
    assert _start(admin, "accounts", ACCOUNTS_CSV).status == "succeeded"


# --- large files go through a job ------------------------------------------------------


def test_large_file_runs_as_a_job_with_progress(
    marketer, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.CSV_IMPORT_INLINE_MAX_ROWS = 3
    rows = "".join(f"Company {i},c{i}.example,{i % 100}\n" for i in range(2500))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = _start(marketer, "accounts", "name,domain,fit_score\n" + rows)
    assert job.status == "pending" and job.total_rows == 2500
    assert Account.objects.count() == 0

    progress = []
    from accounts.services.imports import service

    original = service.rows_validate

    def spy(kind, parsed, report):
        def record(done):
            progress.append(done)
            report(done)
            progress.append(ImportJob.objects.get(pk=job.pk).processed_rows)

        return original(kind, parsed, record)

    monkeypatch.setattr(service, "rows_validate", spy)
    for callback in callbacks:
        callback()  # the Celery task, eager in tests

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert (job.created_count, job.processed_rows, job.progress_percent) == (2500, 2500, 100)
    assert Account.objects.count() == 2500
    assert progress[:2] == [1000, 1000]  # stored as it goes, for the page to poll
    assert 2000 in progress


def test_job_runs_once_even_if_delivered_twice(marketer, settings):
    from accounts.tasks.imports import import_job_process

    settings.CSV_IMPORT_INLINE_MAX_ROWS = 1
    job = _start(marketer, "accounts", "name,domain\nA,a.com\nB,b.com\n")  # queued on commit
    import_job_process(job.pk)
    import_job_process(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.created_count == 2
    assert Account.objects.count() == 2


def test_large_rejected_file_reports_rows_on_the_job(marketer, settings):
    from accounts.tasks.imports import import_job_process

    settings.CSV_IMPORT_INLINE_MAX_ROWS = 1
    job = _start(marketer, "accounts", "name,fit_score\nA,1\nB,x\nC,3\n")
    import_job_process(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == [{"row": 3, "column": "fit_score", "message": "“x” is not a number."}]
    assert Account.objects.count() == 0


# --- pages ----------------------------------------------------------------------------


def test_import_page_uploads_and_shows_the_result(marketer, client):
    client.force_login(marketer)
    response = client.get(reverse("accounts:import"))
    assert response.status_code == 200
    assert b"Download the accounts template" in response.content

    upload = SimpleUploadedFile("accounts.csv", ACCOUNTS_CSV.encode(), content_type="text/csv")
    response = client.post(
        reverse("accounts:import"), {"kind": "accounts", "file": upload}, follow=True
    )
    job = ImportJob.objects.get()
    assert response.redirect_chain[-1][0] == reverse("accounts:import_detail", args=[job.pk])
    assert b"Created" in response.content
    assert Account.objects.count() == 2


def test_import_page_shows_row_errors(marketer, client):
    client.force_login(marketer)
    upload = SimpleUploadedFile("a.csv", b"name,fit_score\nA,500\n", content_type="text/csv")
    response = client.post(
        reverse("accounts:import"), {"kind": "accounts", "file": upload}, follow=True
    )
    content = response.content.decode()
    assert "Rejected" in content
    assert "fit_score" in content and "between 0 and 100" in content


def test_import_page_shows_header_errors_inline(marketer, client):
    client.force_login(marketer)
    upload = SimpleUploadedFile("a.csv", b"nom,pays\nA,FR\n", content_type="text/csv")
    response = client.post(reverse("accounts:import"), {"kind": "accounts", "file": upload})
    assert response.status_code == 400
    assert "Unknown column “nom”" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_job_page_polls_while_running_and_stops_when_done(marketer, client):
    job = ImportJob.objects.create(
        kind="accounts", content="name\nA\n", total_rows=10, processed_rows=4, status="running"
    )
    client.force_login(marketer)
    response = client.get(reverse("accounts:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert 'aria-valuenow="40"' in body
    assert "<html" not in body  # a fragment for htmx
    job.status, job.created_count = "succeeded", 10
    job.save()
    body = client.get(reverse("accounts:import_detail", args=[job.pk])).content.decode()
    assert "every 1s" not in body
    assert "Created" in body


def test_recent_jobs_list_in_few_queries(marketer, client, django_assert_max_num_queries):
    for i in range(15):
        ImportJob.objects.create(kind="accounts", content="x", created_by=marketer, filename=f"{i}")
    client.force_login(marketer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:import"))
    assert response.content.decode().count("/import/") >= 15


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
def test_templates_download_and_import_cleanly(marketer, client, kind):
    client.force_login(marketer)
    response = client.get(reverse("accounts:import_template", args=[kind]))
    assert response["Content-Type"].startswith("text/csv")
    if kind == "contacts":
        AccountFactory(domain="acme.com")
    job = _start(marketer, kind, response.content)
    assert job.status == "succeeded", job.errors


# --- API ------------------------------------------------------------------------------


def test_api_upload_creates_and_reads_a_job(marketer, api_as):
    api = api_as(marketer)
    upload = SimpleUploadedFile("a.csv", ACCOUNTS_CSV.encode(), content_type="text/csv")
    response = api.post(
        "/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "succeeded" and body["created_count"] == 2
    again = api.get(f"/api/v1/imports/{body['id']}/")
    assert again.status_code == 200 and again.json()["total_rows"] == 2


def test_api_rejects_bad_rows_with_a_row_report(marketer, api_as):
    api = api_as(marketer)
    upload = SimpleUploadedFile("a.csv", b"name,fit_score\nA,x\n", content_type="text/csv")
    response = api.post(
        "/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "column": "fit_score", "message": "“x” is not a number."}
    ]


def test_api_rejects_non_utf8_and_bad_kind_and_reps(marketer, sales_rep, api_as):
    api = api_as(marketer)
    upload = SimpleUploadedFile("a.csv", "name\nCafé\n".encode("cp1252"))
    response = api.post(
        "/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["detail"]
    upload = SimpleUploadedFile("a.csv", b"name\nA\n")
    response = api.post("/api/v1/imports/", {"kind": "deals", "file": upload}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()
    upload = SimpleUploadedFile("a.csv", b"name\nA\n")
    response = api_as(sales_rep).post(
        "/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart"
    )
    assert response.status_code == 403
    assert Account.objects.count() == 0


# --- command --------------------------------------------------------------------------


def test_command_imports_and_exits_non_zero_on_rejection(tmp_path, marketer):
    good = tmp_path / "good.csv"
    good.write_text(ACCOUNTS_CSV, encoding="utf-8")
    out = StringIO()
    call_command("import_csv", "accounts", str(good), stdout=out)
    assert "2 created" in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_text("name,fit_score\nA,x\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_csv", "accounts", str(bad), stderr=err)
    assert exc.value.returncode == 1
    assert "fit_score" in err.getvalue() and "not a number" in err.getvalue()
    assert Account.objects.count() == 2

    with pytest.raises(CommandError, match="No such file"):
        call_command("import_csv", "accounts", str(tmp_path / "missing.csv"))


def test_large_files_use_a_few_queries_per_batch_not_per_row(
    marketer, settings, django_assert_max_num_queries
):
    settings.CSV_IMPORT_INLINE_MAX_ROWS = 10_000
    AccountFactory.create_batch(3)
    accounts = "".join(f"Company {i},c{i}.example,{i % 100},true\n" for i in range(3000))
    # SQLite's parameter cap sets how many account rows fit one INSERT (fewer as the
    # model gains columns): a bound per batch of rows, far below one query per row.
    with django_assert_max_num_queries(75):
        job = _start(marketer, "accounts", "name,domain,fit_score,is_target\n" + accounts)
    assert job.status == "succeeded" and job.created_count == 3000

    # Half the contacts exist already: upserts, not duplicates.
    lines = [f"p{i}@c{i}.example,c{i}.example,champion\n" for i in range(3000)]
    header = "email,account_domain,buying_roles\n"
    assert _start(marketer, "contacts", header + "".join(lines[:1500])).status == "succeeded"
    # SQLite allows 999 parameters per statement, so ~40 contacts go in one INSERT: the
    # bound is per batch of rows, far below one query per row (3,000).
    with django_assert_max_num_queries(150):
        job = _start(marketer, "contacts", header + "".join(lines))
    assert job.status == "succeeded"
    assert (job.created_count, job.updated_count) == (1500, 1500)
    assert Contact.objects.count() == 3000
    assert ContactAccount.objects.filter(is_primary=True).count() == 3000


# --- the column table reads the models ------------------------------------------------


def test_every_column_parses_into_a_field_of_its_model():
    from accounts.services.imports import COLUMNS, REQUIRED, TABLES

    models = {"accounts": Account, "contacts": Contact}
    for kind, columns in TABLES.items():
        assert [c.name for c in columns] == COLUMNS[kind]
        for column in columns:
            assert column.field.model is models[kind]
    assert REQUIRED == {"accounts": ["name"], "contacts": ["email"]}


@pytest.mark.parametrize(
    ("kind", "column", "field", "model"),
    [
        ("accounts", "name", "name", Account),
        ("accounts", "country", "country", Account),
        ("contacts", "title", "title", Contact),
        ("contacts", "phone", "phone", Contact),
        ("contacts", "first_name", "first_name", Contact),
    ],
)
def test_text_limits_are_the_model_fields_max_length(marketer, kind, column, field, model):
    limit = model._meta.get_field(field).max_length
    key = "name" if kind == "accounts" else "email"
    first = "A" if kind == "accounts" else "a@x.com"
    header = key if column == key else f"{key},{column}"

    def row(value):
        return value if column == key else f"{first},{value}"

    errors = _rejected(marketer, kind, f"{header}\n{row('x' * (limit + 1))}\n")
    assert errors == [{"row": 2, "column": column, "message": f"Longer than {limit} characters."}]
    job = _start(marketer, kind, f"{header}\n{row('x' * limit)}\n")
    assert job.status == "succeeded"


def test_ranges_choices_and_digits_come_from_the_model(marketer):
    errors = _rejected(
        marketer,
        "accounts",
        "name,fit_score,employee_count,annual_revenue,industry\nA,101,-1,100000000000000,banking\n",
    )
    by_column = {e["column"]: e["message"] for e in errors}
    # fit_score: the model's check constraint (<= 100); employee_count: a positive integer.
    assert by_column["fit_score"] == "101 is out of range: it must be between 0 and 100."
    assert by_column["employee_count"].startswith("-1 is out of range: it must be between 0 and")
    # annual_revenue: max_digits 16 with 2 decimal places.
    assert by_column["annual_revenue"] == "“100000000000000” is too large."
    from accounts.models import Industry

    assert by_column["industry"].endswith(", ".join(Industry.values) + ".")


def test_an_email_longer_than_the_field_is_a_row_error(marketer):
    email = "a" * 250 + "@x.com"
    errors = _rejected(marketer, "contacts", f"email\n{email}\n")
    assert errors == [{"row": 2, "column": "email", "message": "Longer than 254 characters."}]


# --- hardening: control characters and size -------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_in_a_cell_is_a_row_and_column_error(marketer, char):
    text = f"name,domain,country\nAcme,acme.com,France\nGlobex,globex.io,Ger{char}many\n"
    with pytest.raises(ImportRejected) as exc:
        _start(marketer, "accounts", text)
    assert exc.value.errors == [
        {
            "row": 3,
            "column": "country",
            "message": f"This cell contains the control character U+{ord(char):04X}.",
        }
    ]
    assert Account.objects.count() == 0
    assert ImportJob.objects.count() == 0  # rejected before the text is stored


def test_a_nul_byte_in_the_header_or_the_filename_is_no_500(marketer):
    with pytest.raises(ImportRejected) as exc:
        _start(marketer, "accounts", "name,dom\x00ain\nA,a.com\n")
    assert exc.value.errors[0]["row"] == 1
    job = _start(marketer, "accounts", "name\nA\n", name="a\x00b.csv")
    assert job.status == "succeeded" and job.filename == "ab.csv"


def test_control_characters_on_the_page_and_in_the_api(marketer, client, api_as):
    client.force_login(marketer)
    upload = SimpleUploadedFile(
        "a.csv", b"name,country\nAcme,Fr\x00ance\n", content_type="text/csv"
    )
    response = client.post(reverse("accounts:import"), {"kind": "accounts", "file": upload})
    assert response.status_code == 400
    assert "U+0000" in response.content.decode()

    upload = SimpleUploadedFile("a.csv", b"email\na\x00b@x.com\n", content_type="text/csv")
    response = api_as(marketer).post(
        "/api/v1/imports/", {"kind": "contacts", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "column": "email", "message": "This cell contains the control character U+0000."}
    ]
    assert Account.objects.count() == 0 and Contact.objects.count() == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(marketer, client, api_as, settings):
    from abm.exceptions import ApplicationError
    from accounts.services.imports import import_upload_read

    settings.CSV_IMPORT_MAX_BYTES = 64

    class Upload:
        size = 65

        def read(self):
            raise AssertionError("the upload was read")

    with pytest.raises(ApplicationError) as exc:
        import_upload_read(Upload())
    assert (exc.value.field, exc.value.status_code) == ("file", 413)

    big = b"name\n" + b"Company\n" * 20
    client.force_login(marketer)
    upload = SimpleUploadedFile("big.csv", big, content_type="text/csv")
    response = client.post(reverse("accounts:import"), {"kind": "accounts", "file": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The file is larger than 64 bytes; split it into smaller files."
    ]

    upload = SimpleUploadedFile("big.csv", big, content_type="text/csv")
    response = api_as(marketer).post(
        "/api/v1/imports/", {"kind": "accounts", "file": upload}, format="multipart"
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large" and body["file"] == [body["detail"]]
    assert Account.objects.count() == 0 and ImportJob.objects.count() == 0


def test_the_command_refuses_a_file_over_the_limit(tmp_path, settings):
    settings.CSV_IMPORT_MAX_BYTES = 10
    path = tmp_path / "big.csv"
    path.write_text("name\nAcme Corporation\n", encoding="utf-8")
    with pytest.raises(CommandError, match="larger than"):
        call_command("import_csv", "accounts", str(path))
    assert Account.objects.count() == 0


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e999999999", "1e999999999 is out of range: it must be between 0 and 100."),
        ("NaN", "“NaN” is not a whole number."),
        ("-Infinity", "“-Infinity” is not a whole number."),
        ("1e-999999999", "“1e-999999999” is not a whole number."),
    ],
)
def test_extreme_numbers_are_cell_errors_quickly(marketer, cell, message):
    errors = _rejected(marketer, "accounts", f"name,fit_score,annual_revenue\nA,{cell},{cell}\n")
    by_column = {e["column"]: e["message"] for e in errors}
    assert by_column["fit_score"] == message
    if cell != "1e-999999999":  # a revenue that small rounds to 0.00
        assert "annual_revenue" in by_column
