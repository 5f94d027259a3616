"""API and pages of the analytics: runs, CSV, saved analyses and their scoping, drill-down."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from accounts.models import Activity
from accounts.tests.factories import TeamFactory, UserFactory
from analytics.models import EntityList, SavedAnalysis
from analytics.tests.book import COHORT, FLOW, JOURNEY, book_build

pytestmark = pytest.mark.django_db

RUN = {
    "journey": "/api/v1/analytics/journey/run/",
    "cohort": "/api/v1/analytics/cohort/run/",
    "flow": "/api/v1/analytics/flow/run/",
}
SETTINGS = {"journey": JOURNEY, "cohort": COHORT, "flow": FLOW}


@pytest.fixture
def book():
    return book_build()


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Runs -----------------------------------------------------------------------------


def test_run_endpoints_answer_the_known_results(api_client, marketer, book):
    api_client.force_authenticate(marketer)
    journey = api_client.post(RUN["journey"], JOURNEY, format="json")
    assert journey.status_code == 200
    assert [n["entities"] for n in journey.json()["data"]["nodes"]] == [3, 2, 2]
    cohort = api_client.post(RUN["cohort"], COHORT, format="json").json()["data"]
    assert [r["size"] for r in cohort["rows"]] == [2, 1, 1]
    flow = api_client.post(RUN["flow"], FLOW, format="json").json()["data"]
    assert flow["entities"] == 3


@pytest.mark.parametrize(
    "kind,change,field_path",
    [
        ("journey", {"nodes": []}, ["nodes"]),
        ("journey", {"container": "planet"}, ["container"]),
        ("cohort", {"periods": 99}, ["periods"]),
        ("cohort", {"breakdown": "role_template"}, ["breakdown"]),
        ("flow", {"columns": 11}, ["columns"]),
        ("flow", {"container": "opportunity"}, ["container"]),
        (
            "flow",
            {"filters": {"date_from": "2025-05-01", "date_to": "2025-01-01"}},
            ["filters", "date_to"],
        ),
    ],
)
def test_invalid_settings_answer_400_naming_the_field(
    api_client, marketer, kind, change, field_path
):
    api_client.force_authenticate(marketer)
    response = api_client.post(RUN[kind], {**SETTINGS[kind], **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    for name in field_path:
        assert name in body, body
        body = body[name]


def test_a_missing_stage_is_named_on_its_node(api_client, marketer):
    api_client.force_authenticate(marketer)
    data = json.loads(json.dumps(JOURNEY))
    del data["nodes"][2]["condition"]["stage"]
    response = api_client.post(RUN["journey"], data, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()["nodes"]["2"]["condition"]


def test_a_node_connected_to_a_later_node_is_refused(api_client, marketer):
    api_client.force_authenticate(marketer)
    data = json.loads(json.dumps(JOURNEY))
    data["nodes"][0]["parent"] = "n3"
    response = api_client.post(RUN["journey"], data, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()["nodes"]["0"]


def test_run_csv_for_each_kind(api_client, marketer, book):
    api_client.force_authenticate(marketer)
    rows = _rows(api_client.post(RUN["journey"] + "?output=csv", JOURNEY, format="json"))
    assert rows[0][:4] == ["Node", "Condition", "From", "Entities"]
    assert [r[3] for r in rows[1:4]] == ["3", "2", "2"]
    rows = _rows(api_client.post(RUN["cohort"] + "?output=csv", COHORT, format="json"))
    assert rows[1][:4] == ["2025-01", "", "2", "0 (0.0%)"]
    assert rows[1][5] == "1 (50.0%)"
    rows = _rows(api_client.post(RUN["flow"] + "?output=csv", FLOW, format="json"))
    assert ["3", "MQL", "3", "100.0%"] in rows


def test_page_csv_export_shows_the_table(client, marketer, book):
    client.force_login(marketer)
    url = reverse("analytics:export", args=["flow"]) + "?settings=" + json.dumps(FLOW)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert ["2", "webpage", "2", "66.7%"] in _rows(response)
    bad = client.get(reverse("analytics:export", args=["flow"]) + "?settings={nope")
    assert bad.status_code == 400


# --- Saved analyses and scoping -------------------------------------------------------


@pytest.fixture
def analyses(marketer, sales_rep, other_rep):
    """marketer: private + team-shared; other_rep (another team): team-shared."""
    return {
        "private": SavedAnalysis.objects.create(
            name="Mine", kind="flow", settings=FLOW, owner=marketer
        ),
        "team": SavedAnalysis.objects.create(
            name="Ours", kind="cohort", settings=COHORT, owner=marketer, visibility="team"
        ),
        "other": SavedAnalysis.objects.create(
            name="Theirs", kind="journey", settings=JOURNEY, owner=other_rep, visibility="team"
        ),
    }


def _names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_a_user_sees_own_and_team_shared_analyses_admins_all(
    api_client, analyses, marketer, sales_rep, other_rep, admin
):
    api_client.force_authenticate(marketer)
    assert _names(api_client.get("/api/v1/analytics/analyses/")) == {"Mine", "Ours"}
    api_client.force_authenticate(sales_rep)  # same team as the marketer
    assert _names(api_client.get("/api/v1/analytics/analyses/")) == {"Ours"}
    api_client.force_authenticate(other_rep)
    assert _names(api_client.get("/api/v1/analytics/analyses/")) == {"Theirs"}
    api_client.force_authenticate(admin)
    assert _names(api_client.get("/api/v1/analytics/analyses/")) == {"Mine", "Ours", "Theirs"}
    api_client.force_authenticate(other_rep)
    url = f"/api/v1/analytics/analyses/{analyses['private'].pk}/"
    assert api_client.get(url).status_code == 404


def test_only_the_owner_or_an_admin_writes(api_client, analyses, sales_rep, admin):
    url = f"/api/v1/analytics/analyses/{analyses['team'].pk}/"
    api_client.force_authenticate(sales_rep)
    assert api_client.patch(url, {"name": "Taken"}, format="json").status_code == 403
    assert api_client.delete(url).status_code == 403
    copy = api_client.post(url + "duplicate/")
    assert copy.status_code == 201
    assert copy.json()["name"] == "Copy of Ours" and copy.json()["visibility"] == "private"
    api_client.force_authenticate(admin)
    assert api_client.patch(url, {"name": "Renamed"}, format="json").status_code == 200
    assert api_client.delete(url).status_code == 204


def test_create_validates_settings_for_its_kind(api_client, marketer):
    api_client.force_authenticate(marketer)
    bad = api_client.post(
        "/api/v1/analytics/analyses/",
        {"name": "X", "kind": "cohort", "settings": {**COHORT, "granularity": "year"}},
        format="json",
    )
    assert bad.status_code == 400
    assert "granularity" in bad.json()["settings"]
    good = api_client.post(
        "/api/v1/analytics/analyses/",
        {"name": "Cohorts", "kind": "cohort", "settings": COHORT, "visibility": "team"},
        format="json",
    )
    assert good.status_code == 201
    saved = SavedAnalysis.objects.get(pk=good.json()["id"])
    assert saved.owner == marketer and saved.settings["periods"] == 4
    kind = api_client.patch(
        f"/api/v1/analytics/analyses/{saved.pk}/", {"kind": "flow"}, format="json"
    )
    assert kind.status_code == 400 and "kind" in kind.json()


def test_saved_analysis_result_and_export(api_client, marketer, analyses, book):
    api_client.force_authenticate(marketer)
    url = f"/api/v1/analytics/analyses/{analyses['private'].pk}/"
    assert api_client.get(url + "result/").json()["data"]["entities"] == 3
    export = api_client.get(url + "export/")
    assert export.status_code == 200 and export["Content-Type"] == "text/csv"


def test_pages_list_open_duplicate_and_delete(client, marketer, analyses, other_rep):
    client.force_login(marketer)
    page = client.get(reverse("analytics:index"))
    assert page.status_code == 200
    assert b"Mine" in page.content and b"Theirs" not in page.content
    for kind in ("journey", "cohort", "flow"):
        assert client.get(reverse("analytics:new", args=[kind])).status_code == 200
    assert client.get(reverse("analytics:detail", args=[analyses["team"].pk])).status_code == 200
    assert client.get(reverse("analytics:detail", args=[analyses["other"].pk])).status_code == 404
    response = client.post(reverse("analytics:duplicate", args=[analyses["private"].pk]))
    assert response.status_code == 302
    assert SavedAnalysis.objects.filter(name="Copy of Mine", owner=marketer).exists()
    response = client.post(reverse("analytics:delete", args=[analyses["private"].pk]))
    assert response.status_code == 302
    assert not SavedAnalysis.objects.filter(pk=analyses["private"].pk).exists()


def test_page_queries_do_not_grow_with_saved_analyses(
    client, marketer, django_assert_max_num_queries
):
    client.force_login(marketer)
    for i in range(15):
        SavedAnalysis.objects.create(name=f"A{i}", kind="flow", settings=FLOW, owner=marketer)
    with django_assert_max_num_queries(8):
        client.get(reverse("analytics:index"))


# --- Drill-down, lists, activation ----------------------------------------------------


def test_drill_down_lists_entities_linked_to_their_records(api_client, marketer, book):
    api_client.force_authenticate(marketer)
    response = api_client.post(
        "/api/v1/analytics/entities/",
        {"kind": "journey", "settings": JOURNEY, "target": {"node": "n2"}},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [e["name"] for e in body["entities"]] == ["Alpha", "Beta"]
    assert body["entities"][0]["url"] == f"/accounts/{book.accounts['A'].pk}/"
    bad = api_client.post(
        "/api/v1/analytics/entities/",
        {"kind": "journey", "settings": JOURNEY, "target": {"node": "zz"}},
        format="json",
    )
    assert bad.status_code == 400 and "node" in bad.json()["target"]


def test_save_a_cohort_cell_as_a_static_list(api_client, marketer, book):
    api_client.force_authenticate(marketer)
    response = api_client.post(
        "/api/v1/analytics/lists/",
        {
            "kind": "cohort",
            "settings": COHORT,
            "target": {"cohort": "2025-01"},
            "name": "January deals",
        },
        format="json",
    )
    assert response.status_code == 201
    saved = EntityList.objects.get(pk=response.json()["id"])
    assert saved.container == "opportunity" and saved.size == 2
    assert set(saved.items.values_list("entity_id", flat=True)) == {
        book.deals["OA"].pk,
        book.deals["OC"].pk,
    }


def test_activate_a_flow_band_into_a_campaign(api_client, marketer, sales_rep, book):
    payload = {
        "kind": "flow",
        "settings": FLOW,
        "target": {"source": "1|webpage", "target": "2|__anchor__"},
        "campaign": book.campaigns["K1"].pk,
    }
    api_client.force_authenticate(sales_rep)
    assert api_client.post("/api/v1/analytics/activate/", payload, format="json").status_code == 403
    api_client.force_authenticate(marketer)
    response = api_client.post("/api/v1/analytics/activate/", payload, format="json")
    assert response.status_code == 200
    assert response.json()["people_added"] == 2
    added = Activity.objects.filter(type="campaign_added", campaign=book.campaigns["K1"])
    assert {a.account_id for a in added} == {book.accounts["B"].pk, book.accounts["C"].pk}


def test_drill_dialog_page_saves_a_list(client, marketer, book):
    client.force_login(marketer)
    data = {
        "settings": json.dumps(FLOW),
        "target": json.dumps({"node": "1|webpage"}),
        "title": "webpage",
    }
    response = client.post(reverse("analytics:drill", args=["flow"]), data)
    assert response.status_code == 200
    assert b"Beta" in response.content and b"Gamma" in response.content
    response = client.post(
        reverse("analytics:drill", args=["flow"]),
        {**data, "action": "save_list", "name": "Web before MQL"},
    )
    assert EntityList.objects.get(name="Web before MQL").size == 2
    assert b"Saved 2" in response.content
    lists = client.get(reverse("analytics:lists"))
    assert b"Web before MQL" in lists.content


def test_team_without_members_sees_only_own(api_client):
    lone = UserFactory(username="lone", role="marketer", team=None)
    SavedAnalysis.objects.create(
        name="Shared by lone", kind="flow", settings=FLOW, owner=lone, visibility="team"
    )
    other = UserFactory(username="other", role="marketer", team=None)
    api_client.force_authenticate(other)
    assert _names(api_client.get("/api/v1/analytics/analyses/")) == set()
    TeamFactory(name="Unused")


def test_a_background_run_answers_from_the_worker(api_client, marketer, book, settings):
    # Eager Celery (no broker): the worker runs at once, so the first answer has the result;
    # with a broker the first answer is a 202 and the job URL serves the result when done.
    api_client.force_authenticate(marketer)
    response = api_client.post(RUN["flow"] + "?background=1", FLOW, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["entities"] == 3
    from analytics import engine
    from analytics.validation import settings_validate

    job = engine.job_key("flow", settings_validate(kind="flow", data=FLOW))
    polled = api_client.get(f"/api/v1/analytics/jobs/{job}/")
    assert polled.status_code == 200 and polled.json()["data"]["entities"] == 3
    assert api_client.get("/api/v1/analytics/jobs/nope/").status_code == 404


def test_a_background_run_with_a_busy_worker_answers_202(api_client, marketer, book, monkeypatch):
    from analytics.api import views

    monkeypatch.setattr(views, "enqueue", lambda *args, **kwargs: True)  # queued, not run
    api_client.force_authenticate(marketer)
    response = api_client.post(RUN["cohort"] + "?background=1", COHORT, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running"
    assert api_client.get(body["poll"]).status_code == 202
