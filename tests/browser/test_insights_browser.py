"""A marketer opens the four insights and sees their pictures drawn (ECharts, SVG)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Opportunity, OpportunityStageChange
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import UserFactory
from analytics.insights.health import health_recompute_all
from analytics.insights.upsell import upsell_intent_refresh
from analytics.tests.test_insights_impact import book as impact_book  # noqa: F401
from analytics.tests.test_insights_upsell import NOW
from analytics.tests.test_insights_upsell import book as upsell_book  # noqa: F401
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(impact_book, upsell_book):  # noqa: F811
    for deal in Opportunity.objects.all():
        OpportunityStageChange.objects.create(
            opportunity=deal, to_stage="prospecting", changed_at=deal.created_at
        )
        if deal.stage != "prospecting":
            OpportunityStageChange.objects.create(
                opportunity=deal,
                from_stage="prospecting",
                to_stage=deal.stage,
                changed_at=deal.closed_at or NOW,
            )
    rollups_rebuild()
    health_recompute_all()
    upsell_intent_refresh(now=NOW)
    return impact_book


def drawn(page, selector: str) -> None:
    chart = page.locator(selector)
    expect(chart).to_have_attribute("data-drawn", "1")
    expect(chart.locator("svg").first).to_be_visible()


def test_the_insights_draw_their_pictures(page, team, data):
    UserFactory(username="mia", role="marketer", team=team, first_name="Mia")
    login(page, "mia")

    page.goto(reverse("analytics:impact"))
    expect(page.get_by_role("heading", name="Marketing impact", exact=True)).to_be_visible()
    drawn(page, "#ins-chart")
    expect(page.locator("#ins-summary")).to_contain_text("W-shaped")
    screenshot(page, "insights-impact")

    page.goto(reverse("analytics:pipeline") + "?granularity=week")
    drawn(page, "#ins-chart")
    drawn(page, "#ins-funnel")
    drawn(page, "#ins-days")
    screenshot(page, "insights-pipeline")

    page.goto(reverse("analytics:health"))
    drawn(page, "#ins-chart")
    expect(page.locator("#health-rows .health-gauge").first).to_be_visible()
    page.locator("#health-rows a").first.click()
    drawn(page, "#ins-chart")
    expect(page.locator(".ins-gauge-big svg")).to_be_visible()
    screenshot(page, "insights-health-account")

    page.goto(reverse("analytics:upsell"))
    drawn(page, "#ins-chart")
    expect(page.locator("#upsell-rows")).to_contain_text("Journey Builder")
    screenshot(page, "insights-upsell")

    page.goto(reverse("targets:index"))
    assert page.js_errors == []
