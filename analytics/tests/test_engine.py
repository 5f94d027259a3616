"""Known answers: the hand-built book (analytics/tests/book.py) worked out by hand."""

from __future__ import annotations

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AccountFactory, ActivityFactory, ContactFactory
from analytics import engine
from analytics.tests.book import COHORT, FLOW, JOURNEY, book_build, day
from analytics.validation import settings_validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    return book_build()


def run(kind, data):
    return engine.run(kind=kind, settings=settings_validate(kind=kind, data=data)).data


def drill(kind, data, target):
    return engine.entities(
        kind=kind, settings=settings_validate(kind=kind, data=data), target=target
    )


# --- Journey --------------------------------------------------------------------------


def test_journey_counts_entities_in_order_with_conversion_and_times(book):
    nodes = {n["id"]: n for n in run("journey", JOURNEY)["nodes"]}
    # A, B and C filled the step-1 form (E's form is another one; case is ignored).
    assert nodes["n1"]["entities"] == 3
    # A (10 days later) and B (21 days) created a deal after the form; C's deal came before.
    assert nodes["n2"]["entities"] == 2
    assert nodes["n2"]["from_parent"] == pytest.approx(2 / 3, abs=1e-4)
    assert nodes["n2"]["drop_off"] == 1
    assert nodes["n2"]["median_days"] == 15.5
    assert nodes["n2"]["p90_days"] == 21
    # Both won: A 40 days after its deal, B 10 days after.
    assert nodes["n3"]["entities"] == 2
    assert nodes["n3"]["from_parent"] == 1.0
    assert nodes["n3"]["from_start"] == pytest.approx(2 / 3, abs=1e-4)
    assert (nodes["n3"]["median_days"], nodes["n3"]["p90_days"]) == (25, 40)


def test_journey_key_moments_before_the_deal(book):
    moments = run("journey", JOURNEY)["key_moments"]
    before = {m["item"]: m["entities"] for m in moments["before"]}
    # In the 30 days before A's and B's deals: both a form, a web visit and an MQL change;
    # A a document, B an email.
    assert before == {
        "form_submitted": 2,
        "web_visit": 2,
        "lead_status_changed": 2,
        "document_viewed": 1,
        "email_sent": 1,
    }
    # After: A's deal is followed by nothing in the stream; B's neither.
    assert moments["after"] == []


def test_journey_branches_and_segment_filter(book):
    data = copy.deepcopy(JOURNEY)
    # a second branch from the form: MQL after the form (A 5 days, B 16 days, C 11 days)
    data["nodes"].append(
        {
            "id": "m",
            "name": "MQL",
            "parent": "n1",
            "condition": {"kind": "lead_status", "status": "mql"},
        }
    )
    nodes = {n["id"]: n for n in run("journey", data)["nodes"]}
    assert nodes["m"]["entities"] == 3 and nodes["m"]["median_days"] == 11
    data["filters"] = {**data["filters"], "industry": ["retail"]}
    nodes = {n["id"]: n for n in run("journey", data)["nodes"]}
    assert [nodes[k]["entities"] for k in ("n1", "n2", "n3", "m")] == [1, 0, 0, 1]


def test_journey_single_account_shows_its_own_dates(book):
    data = {**JOURNEY, "filters": {**JOURNEY["filters"], "account": book.accounts["A"].pk}}
    result = run("journey", data)
    dates = {n["id"]: n["date"][:10] for n in result["nodes"]}
    assert dates == {"n1": "2025-01-10", "n2": "2025-01-20", "n3": "2025-03-01"}
    assert [e["occurred_at"][:10] for e in result["timeline"]] == [
        "2025-01-15",
        "2025-01-12",
        "2025-01-10",
        "2025-01-05",
    ]


def test_journey_drill_down(book):
    ids = {acc.pk: key for key, acc in book.accounts.items()}
    reached = drill("journey", JOURNEY, {"node": "n2", "state": "reached"})
    dropped = drill("journey", JOURNEY, {"node": "n2", "state": "dropped"})
    assert sorted(ids[i] for i in reached) == ["A", "B"]
    assert [ids[i] for i in dropped] == ["C"]


# --- Cohort ---------------------------------------------------------------------------


def test_cohort_of_deals_by_month(book):
    result = run("cohort", COHORT)
    rows = {r["cohort"]: r for r in result["rows"]}
    # OA (Jan, won in Mar) and OC (Jan, lost); OB (Feb, won in Feb); OD (Mar, won in May)
    assert [(k, rows[k]["size"]) for k in sorted(rows)] == [
        ("2025-01", 2),
        ("2025-02", 1),
        ("2025-03", 1),
    ]
    assert [c["count"] for c in rows["2025-01"]["cells"]] == [0, 0, 1, 0]
    assert rows["2025-01"]["cells"][2]["share"] == 0.5
    assert [c["count"] for c in rows["2025-02"]["cells"]] == [1, 0, 0, 0]
    assert [c["count"] for c in rows["2025-03"]["cells"]] == [0, 0, 1, 0]
    assert [rows[k]["median_periods"] for k in sorted(rows)] == [2, 0, 2]


def test_cohort_cumulative(book):
    rows = {r["cohort"]: r for r in run("cohort", {**COHORT, "cumulative": True})["rows"]}
    assert [c["count"] for c in rows["2025-01"]["cells"]] == [0, 0, 1, 1]
    assert [c["count"] for c in rows["2025-02"]["cells"]] == [1, 1, 1, 1]


def test_cohort_of_accounts_by_industry_and_campaign_source(book):
    data = {**COHORT, "container": "account", "breakdown": "industry"}
    rows = {
        (r["group_label"], r["cohort"]): [c["count"] for c in r["cells"]]
        for r in run("cohort", data)["rows"]
    }
    assert rows == {
        ("Retail", "2025-01"): [0, 0, 0, 0],  # C
        ("Retail", "2025-03"): [0, 0, 1, 0],  # D
        ("Software", "2025-01"): [0, 0, 1, 0],  # A
        ("Software", "2025-02"): [1, 0, 0, 0],  # B
    }
    data["breakdown"] = "campaign_source"
    sizes = {(r["group_label"], r["cohort"]): r["size"] for r in run("cohort", data)["rows"]}
    # first campaign that touched: A K1, B K2, D K2 (before its deal), C none
    assert sizes == {
        ("(none)", "2025-01"): 1,
        ("K1 Spring webinar", "2025-01"): 1,
        ("K2 Nurture", "2025-02"): 1,
        ("K2 Nurture", "2025-03"): 1,
    }


def test_cohort_inclusion_threshold_and_drill(book):
    ids = {d.pk: key for key, d in book.deals.items()}
    assert [ids[i] for i in drill("cohort", COHORT, {"cohort": "2025-01", "period": 2})] == ["OA"]
    members = drill("cohort", COHORT, {"cohort": "2025-01", "period": None})
    assert sorted(ids[i] for i in members) == ["OA", "OC"]
    # accounts with at least 2 web visits in a month: only C (February)
    data = {
        **COHORT,
        "container": "account",
        "inclusion": {"condition": {"kind": "web_visit"}, "operator": "gte", "value": 2},
    }
    rows = [r for r in run("cohort", data)["rows"] if r["size"]]
    assert [(r["cohort"], r["size"]) for r in rows] == [("2025-02", 1)]


# --- Flow -----------------------------------------------------------------------------


def test_flow_ends_with_mql_by_content_type(book):
    result = run("flow", FLOW)
    nodes = {n["id"]: n["entities"] for n in result["nodes"]}
    assert result["entities"] == 3
    assert nodes == {
        "0|form": 1,
        "0|marketing email": 1,
        "0|webpage": 1,  # A, B, C
        "1|whitepaper": 1,
        "1|webpage": 2,  # A; B and C
        "2|__anchor__": 3,
    }
    links = {(link["source"], link["target"]): link["entities"] for link in result["links"]}
    assert links == {
        ("0|form", "1|whitepaper"): 1,
        ("0|marketing email", "1|webpage"): 1,
        ("0|webpage", "1|webpage"): 1,  # C's repeated visit: the loop stays visible
        ("1|whitepaper", "2|__anchor__"): 1,
        ("1|webpage", "2|__anchor__"): 2,
    }
    labels = {n["id"]: n["label"] for n in result["nodes"]}
    assert labels["2|__anchor__"] == "MQL"


def test_flow_folds_the_rest_into_other_and_drills(book):
    result = run("flow", {**FLOW, "top": 1})
    assert {n["id"]: n["entities"] for n in result["nodes"] if n["column"] == 1} == {
        "1|webpage": 2,
        "1|__other__": 1,
    }
    ids = {acc.pk: key for key, acc in book.accounts.items()}
    band = drill("flow", FLOW, {"source": "1|webpage", "target": "2|__anchor__"})
    assert sorted(ids[i] for i in band) == ["B", "C"]


def test_flow_starts_with_a_form_by_activity_type(book):
    data = {
        **FLOW,
        "dimension": "type",
        "anchor": {
            "direction": "start",
            "condition": {"kind": "form_submitted", "contains": "Lead form: step 1"},
        },
    }
    result = run("flow", data)
    paths = {tuple(p["items"]) for p in result["paths"]}
    assert paths == {
        ("__anchor__", "document_viewed", "lead_status_changed"),  # A
        ("__anchor__", "email_sent", "web_visit"),  # B
        ("__anchor__", "web_visit", "web_visit"),  # C
    }


# --- Engine ---------------------------------------------------------------------------


def test_results_are_cached_until_the_data_changes(
    book, django_capture_on_commit_callbacks, settings
):
    settings.ANALYTICS_RESULT_MAX_AGE = 0
    settings = settings_validate(kind="flow", data=FLOW)
    first = engine.run(kind="flow", settings=settings)
    again = engine.run(kind="flow", settings=settings)
    assert not first.cached and again.cached
    from accounts.services.activities import activity_record

    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=book.contacts["D"], type="web_visit", occurred_at=day(3, 2))
    assert not engine.run(kind="flow", settings=settings).cached


def test_a_recent_result_is_served_for_a_minute_after_a_change(
    book, django_capture_on_commit_callbacks
):
    settings = settings_validate(kind="flow", data=FLOW)
    first = engine.run(kind="flow", settings=settings)
    from accounts.services.activities import activity_record

    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=book.contacts["D"], type="web_visit", occurred_at=day(3, 2))
    again = engine.run(kind="flow", settings=settings)
    assert again.cached and again.version == first.version < engine.data_version()


@pytest.mark.parametrize("kind,data", [("journey", JOURNEY), ("cohort", COHORT), ("flow", FLOW)])
def test_query_count_does_not_grow_with_the_data(book, kind, data):
    settings = settings_validate(kind=kind, data=data)
    with CaptureQueriesContext(connection) as small:
        engine.run(kind=kind, settings=settings, use_cache=False)
    for i in range(12):
        contact = ContactFactory(account=AccountFactory(name=f"More {i}"))
        ActivityFactory(
            contact=contact,
            type="form_submitted",
            subject="Lead form: step 1",
            content_type="form",
            occurred_at=day(4, 1 + i),
        )
    with CaptureQueriesContext(connection) as large:
        engine.run(kind=kind, settings=settings, use_cache=False)
    assert len(large) == len(small)
    assert len(large) <= 10  # PostgreSQL wraps each statement: SAVEPOINT, SET LOCAL…, RELEASE


# --- Other containers -----------------------------------------------------------------


@pytest.fixture
def groups(book):
    """Two buying groups: G1 on Alpha with A's contact, G2 on Beta with B's contact."""
    from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory

    g1 = BuyingGroupFactory(
        account=book.accounts["A"], name="G1", role_template__name="Analytics Cloud"
    )
    g2 = BuyingGroupFactory(account=book.accounts["B"], name="G2", role_template__name="Payments")
    MemberFactory(group=g1, contact=book.contacts["A"], role__template=g1.role_template)
    MemberFactory(group=g2, contact=book.contacts["B"], role__template=g2.role_template)
    return {"G1": g1, "G2": g2}


def test_buying_group_container_journey_flow_and_cohort_by_type(book, groups):
    names = {g.pk: key for key, g in groups.items()}
    data = {**JOURNEY, "container": "buying_group", "key_moments": None}
    nodes = {n["id"]: n["entities"] for n in run("journey", data)["nodes"]}
    # members' forms; deals and wins of the group's account
    assert nodes == {"n1": 2, "n2": 2, "n3": 2}
    flow = run("flow", {**FLOW, "container": "buying_group"})
    assert {tuple(p["items"]) for p in flow["paths"]} == {
        ("form", "whitepaper", "__anchor__"),
        ("marketing email", "webpage", "__anchor__"),
    }
    single = {
        **FLOW,
        "container": "buying_group",
        "filters": {**FLOW["filters"], "buying_group": groups["G2"].pk},
    }
    assert run("flow", single)["entities"] == 1
    cohort = {**COHORT, "container": "buying_group", "breakdown": "role_template"}
    rows = {
        (r["group_label"], r["cohort"]): [c["count"] for c in r["cells"]]
        for r in run("cohort", cohort)["rows"]
    }
    assert rows == {
        ("Analytics Cloud", "2025-01"): [0, 0, 1, 0],
        ("Payments", "2025-02"): [1, 0, 0, 0],
    }
    reached = drill("journey", data, {"node": "n3"})
    assert sorted(names[i] for i in reached) == ["G1", "G2"]


def test_person_container_journey(book):
    data = {
        **JOURNEY,
        "container": "person",
        "key_moments": None,
        "nodes": [
            JOURNEY["nodes"][0],
            {
                "id": "m",
                "name": "MQL",
                "parent": "n1",
                "condition": {"kind": "lead_status", "status": "mql"},
            },
        ],
    }
    nodes = {n["id"]: n["entities"] for n in run("journey", data)["nodes"]}
    assert nodes == {"n1": 3, "m": 3}


def test_opportunity_container_counts_activities_while_the_deal_is_open(book):
    # OC (Gamma, open 01-15 to 02-15) is the only deal whose account filled the form
    # while it was open; OA, OB and OD were created after their forms.
    data = {
        **JOURNEY,
        "container": "opportunity",
        "key_moments": None,
        "nodes": [
            JOURNEY["nodes"][0],
            {
                "id": "lost",
                "name": "Lost",
                "parent": "n1",
                "condition": {"kind": "opportunity_stage", "stage": "closed_lost"},
            },
        ],
    }
    nodes = {n["id"]: n["entities"] for n in run("journey", data)["nodes"]}
    assert nodes == {"n1": 1, "lost": 1}
    assert drill("journey", data, {"node": "lost"}) == [book.deals["OC"].pk]
