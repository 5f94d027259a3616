import random

import pytest

from sales_actions.demo import seed_demo
from sales_actions.models import EmailTemplate, Workspace

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_approved_templates_once(marketer):
    seed_demo(rng=random.Random(1), stdout=None, scale=1)
    seed_demo(rng=random.Random(1), stdout=None, scale=1)
    assert Workspace.objects.count() == 3
    templates = EmailTemplate.objects.all()
    assert templates.count() == 4
    assert {t.status for t in templates} == {"approved"}
    assert {t.approved_by for t in templates} == {marketer}
    assert {t.kind for t in templates} == {"sales", "marketing"}


def test_seed_demo_gives_each_rep_a_cadence_with_people_enrolled(marketer, sales_rep):
    from accounts.models import Activity
    from accounts.tests.factories import ContactFactory
    from sales_actions.cadences.models import Cadence, Enrolment

    ContactFactory.create_batch(6, owner=sales_rep, allow_email=True)
    seed_demo(rng=random.Random(1), stdout=None, scale=100)
    seed_demo(rng=random.Random(1), stdout=None, scale=100)
    cadence = Cadence.objects.get()
    assert cadence.owner == sales_rep
    kinds = list(cadence.steps.order_by("position").values_list("kind", flat=True))
    assert kinds == ["auto_email", "call", "linkedin", "auto_email"]
    assert Enrolment.objects.filter(cadence=cadence, status="active").count() == 5
    assert Activity.objects.filter(type="campaign_added").count() == 5
