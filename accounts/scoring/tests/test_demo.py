import random

import pytest

from accounts.models import LeadScore, ScoringModel
from accounts.scoring.demo import seed_demo
from accounts.tests.factories import ActivityFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_demo_model_scores_the_book_once(marketer):
    lead = LeadFactory()
    ActivityFactory(contact=lead.contact, type="event_attended")
    seed_demo(rng=random.Random(1))
    model = ScoringModel.objects.get()
    assert model.is_active and model.rules.count() == 5
    assert LeadScore.objects.get(lead=lead).score == 30
    seed_demo(rng=random.Random(1))  # a second run adds nothing
    assert ScoringModel.objects.count() == 1
