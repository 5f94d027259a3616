"""The lead-scoring step of ``seed_demo``: one active all-leads model (so /scoring/ and the
lead pages show scores), then one full recompute of the demo book."""

from __future__ import annotations

from accounts.models import ScoringModel, User
from accounts.scoring.services import lead_scores_recompute_all, scoring_model_create


def seed_demo(*, rng, stdout=None, scale: int = 0) -> None:
    author = User.objects.filter(role__in=("admin", "marketer")).order_by("id").first()
    if author is None or ScoringModel.objects.exists():
        return
    scoring_model_create(
        user=author,
        data={
            "name": "Engagement and fit (demo)",
            "description": "Recent interactions count most; senior titles add fit points.",
            "threshold": 60,
            "is_active": True,
            "rules": [
                {
                    "points": 10,
                    "activity_type": "email_clicked",
                    "decay": "half_life",
                    "decay_days": 30,
                },
                {"points": 15, "activity_type": "form_submitted", "max_points": 45},
                {
                    "points": 30,
                    "activity_type": "event_attended",
                    "decay": "expire",
                    "decay_days": 90,
                },
                {
                    "points": 20,
                    "activity_type": "web_visit",
                    "count_mode": "at_least",
                    "min_count": 3,
                    "window_days": 30,
                },
                {
                    "kind": "field",
                    "points": 15,
                    "field": "contact_title",
                    "values": "VP, Director, Chief, Head",
                },
            ],
        },
    )
    result = lead_scores_recompute_all()
    if stdout is not None:
        stdout.write(f"scoring: 1 demo model, {result['scored']} leads scored\n")
