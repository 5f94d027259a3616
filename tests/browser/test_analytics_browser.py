"""A marketer builds the seed's journey canvas, cohort table and flow and sees them drawn."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from analytics.models import EntityList, SavedAnalysis
from analytics.tests.book import book_build
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

DRAWN = """() => {
  const canvas = document.querySelector('#an-chart canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4 * 7) if (data[i] > 0) inked++;
  return inked;
}"""


def _wide(page):
    page.set_viewport_size({"width": 1440, "height": 900})


def _built(page):
    page.wait_for_function(
        "() => { const s = document.querySelector('#an-status').textContent;"
        " return s.length > 0 && !s.startsWith('Building') && !s.startsWith('Running'); }"
    )
    expect(page.locator("#an-errors")).to_be_hidden()
    for _ in range(50):  # the picture is painted on the next animation frame
        if page.evaluate(DRAWN) > 200:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(DRAWN) > 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440


def _filters(page, date_from, date_to):
    page.locator("#an-filters summary").click()
    page.locator("input[name=date_from]").fill(date_from)
    page.locator("input[name=date_from]").dispatch_event("change")
    page.locator("input[name=date_to]").fill(date_to)
    page.locator("input[name=date_to]").dispatch_event("change")


def test_build_the_seed_journey_canvas_and_drill_a_node(page, team):
    book_build()
    UserFactory(username="mia", role="marketer", team=team)
    login(page, "mia")
    _wide(page)
    page.goto(reverse("analytics:new", args=["journey"]))
    _built(page)
    # Build it by hand: keep the first node, remove the others, add them back.
    nodes = page.locator("fieldset.an-node[data-node]")
    nodes.nth(2).get_by_role("button", name="Remove node").click()
    nodes.nth(1).get_by_role("button", name="Remove node").click()
    expect(nodes).to_have_count(1)
    first = nodes.nth(0)
    first.locator("[data-role=name]").fill("Lead form: step 1")
    first.locator("[data-role=kind]").select_option("form_submitted")
    first.locator("[data-role=contains]").fill("Lead form: step 1")
    first.locator("[data-role=contains]").dispatch_event("change")
    page.get_by_role("button", name="+ Add node").click()
    second = nodes.nth(1)
    second.locator("[data-role=name]").fill("Opportunity created")
    second.locator("[data-role=name]").dispatch_event("change")
    second.locator("[data-role=kind]").select_option("opportunity_created")
    page.get_by_role("button", name="+ Add node").click()
    third = nodes.nth(2)
    third.locator("[data-role=name]").fill("Closed-won")
    third.locator("[data-role=name]").dispatch_event("change")
    third.locator("[data-role=kind]").select_option("opportunity_stage")
    third.locator("[data-role=stage]").select_option("closed_won")
    expect(third.locator("[data-role=parent]")).to_have_value("n2")
    page.evaluate("document.querySelector('#an-summary').textContent = ''")
    page.get_by_role("button", name="Build").click()
    _built(page)
    expect(page.locator("#an-summary")).to_contain_text("3 accounts reached “Lead form: step 1”")
    expect(page.locator("#an-summary")).to_contain_text("66.7%")
    screenshot(page, "analytics-journey")

    page.get_by_role("tab", name="Table").click()
    table = page.locator("#an-table table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("15.5")
    table.locator("tbody tr").nth(1).get_by_role("link", name="2").click()
    dialog = page.locator("#modal")
    expect(dialog).to_contain_text("Alpha")
    expect(dialog).to_contain_text("Beta")
    dialog.locator("input[name=name]").fill("Deals after the lead form")
    dialog.get_by_role("button", name="Save list").click()
    expect(dialog).to_contain_text("Saved 2 as the list")
    assert EntityList.objects.get(name="Deals after the lead form").size == 2
    assert not page.js_errors


def test_build_the_seed_cohort_table(page, team):
    book_build()
    UserFactory(username="mia", role="marketer", team=team)
    login(page, "mia")
    _wide(page)
    page.goto(reverse("analytics:new", args=["cohort"]))
    page.locator("select[name=container]").select_option("opportunity")
    inclusion = page.locator("fieldset[data-metric='Inclusion condition']")
    inclusion.locator("[data-role=kind]").select_option("opportunity_created")
    inclusion.locator("[data-role=operator]").select_option("gte")
    inclusion.locator("[data-role=value]").fill("1")
    inclusion.locator("[data-role=value]").dispatch_event("change")
    ret = page.locator("fieldset[data-metric='Return condition']")
    ret.locator("[data-role=kind]").select_option("opportunity_stage")
    ret.locator("[data-role=stage]").select_option("closed_won")
    page.locator("select[name=granularity]").select_option("month")
    page.locator("input[name=periods]").fill("4")
    page.locator("input[name=periods]").dispatch_event("change")
    _filters(page, "2025-01-01", "2025-03-31")
    page.get_by_role("button", name="Build").click()
    _built(page)
    expect(page.locator("#an-summary")).to_contain_text("4 opportunities in 3 cohorts")
    expect(page.locator("#an-ttm canvas")).to_have_count(1)
    screenshot(page, "analytics-cohort")
    page.get_by_role("tab", name="Table").click()
    expect(page.locator("#an-table tbody tr").first).to_contain_text("1 (50.0%)")
    assert not page.js_errors


def test_build_the_seed_flow_and_save_it(page, team):
    book_build()
    UserFactory(username="mia", role="marketer", team=team)
    login(page, "mia")
    _wide(page)
    page.goto(reverse("analytics:new", args=["flow"]))
    page.locator("select[name=container]").select_option("account")
    page.locator("select[name=dimension]").select_option("content_type")
    page.locator("select[name=direction]").select_option("end")
    page.locator("fieldset.an-node [data-role=kind]").select_option("lead_status")
    page.locator("fieldset.an-node [data-role=status]").select_option("mql")
    page.locator("details.an-more summary", has_text="Advanced settings").click()
    page.locator("input[name=columns]").fill("5")
    page.locator("input[name=columns]").dispatch_event("change")
    page.get_by_role("button", name="Build").click()
    _built(page)
    expect(page.locator("#an-summary")).to_contain_text("3 accounts in the flow")
    screenshot(page, "analytics-flow")
    page.locator("#an-name").fill("Content before MQL")
    page.get_by_role("button", name="Save analysis").click()
    page.wait_for_url("**/analytics/*/")
    saved = SavedAnalysis.objects.get(name="Content before MQL")
    assert saved.kind == "flow" and saved.settings["columns"] == 5
    _built(page)
    page.goto(reverse("analytics:index"))
    expect(page.locator("#analyses")).to_contain_text("Content before MQL")
    assert not page.js_errors
