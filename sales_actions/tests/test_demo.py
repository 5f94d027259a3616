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
