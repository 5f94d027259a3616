"""The demo's lifecycle step: every deal has a stage history that ends where the deal is."""

from collections import defaultdict

import pytest

from accounts.demo import demo_seed
from accounts.models import Activity, Opportunity, OpportunityStageChange

pytestmark = pytest.mark.django_db


def test_every_deal_has_a_consistent_stage_history_and_lead_forms_exist():
    demo_seed(accounts=12, seed=5, activities_per_contact=2, target_share=0.5)
    deals = {o.pk: o for o in Opportunity.objects.all()}
    assert deals
    paths = defaultdict(list)
    for change in OpportunityStageChange.objects.order_by("changed_at", "id"):
        paths[change.opportunity_id].append(change)
    assert set(paths) == set(deals)
    for pk, path in paths.items():
        deal = deals[pk]
        assert path[0].from_stage == "" and path[0].changed_at == deal.created_at
        assert path[-1].to_stage == deal.stage
        for before, after in zip(path, path[1:], strict=False):
            assert after.from_stage == before.to_stage
            assert after.changed_at >= before.changed_at
        if deal.closed_at:
            assert path[-1].changed_at == deal.closed_at
            if deal.stage == Opportunity.Stage.CLOSED_WON:
                assert [c.to_stage for c in path][-2] in (
                    "negotiation",
                    "proposal",
                    "qualification",
                )
    forms = Activity.objects.filter(type="form_submitted", subject="Lead form: step 1")
    assert forms.exists()
    assert forms.filter(campaign__isnull=False).count() == forms.count()
