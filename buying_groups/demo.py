"""Demo data for buying groups: role templates, then groups generated for target accounts.

Called by ``manage.py seed_demo`` through ``abm.demo`` (after ``accounts.demo``). Groups are
made the way a marketer would: a generation job per template, run here in-process, so
every member really matches its role's conditions; then one full score recompute.
"""

from __future__ import annotations

from accounts.models import Account, Product, User
from buying_groups.models import GenerationJob, RoleTemplate, Stage
from buying_groups.services.generation import generation_job_run
from buying_groups.services.groups import stages_ensure_defaults
from buying_groups.services.scores import scores_recompute_all
from buying_groups.services.templates import _sync_roles

ROLES = [
    {
        "name": "Decision maker",
        "weight": 5,
        "required": True,
        "is_decision_maker": True,
        "match": "any",
        "conditions": [
            {"field": "buying_roles", "op": "include", "value": ["decision_maker"]},
            {"field": "seniority", "op": "at_least", "value": ["vp"]},
        ],
    },
    {
        "name": "Budget holder",
        "weight": 3,
        "required": True,
        "match": "any",
        "conditions": [
            {"field": "buying_roles", "op": "include", "value": ["budget_holder"]},
            {"field": "department", "op": "equals", "value": ["Finance"]},
        ],
    },
    {
        "name": "Champion",
        "weight": 3,
        "match": "all",
        "conditions": [{"field": "buying_roles", "op": "include", "value": ["champion"]}],
    },
    {
        "name": "Influencer",
        "weight": 2,
        "match": "any",
        "conditions": [
            {"field": "buying_roles", "op": "include", "value": ["influencer"]},
            {"field": "seniority", "op": "is", "value": ["director"]},
        ],
    },
    {
        "name": "Practitioner",
        "weight": 1,
        "match": "any",
        "conditions": [
            {"field": "buying_roles", "op": "include", "value": ["end_user"]},
            {"field": "seniority", "op": "is", "value": ["manager"]},
        ],
    },
]


def seed_demo(*, rng, stdout=None, scale: int = 200) -> None:
    """Create role templates for up to three products and generate their groups."""
    owner = (
        User.objects.filter(role="marketer").order_by("id").first()
        or User.objects.filter(role="admin").order_by("id").first()
    )
    products = list(Product.objects.order_by("id")[:3])
    if not products or not Account.objects.filter(is_target=True).exists():
        if stdout:
            stdout.write("buying groups: no products or target accounts, nothing to do")
        return
    stages_ensure_defaults()
    stages = list(Stage.objects.order_by("position"))
    created = 0
    for index, product in enumerate(products):
        template, made = RoleTemplate.objects.get_or_create(
            name=f"{product.name} buying committee",
            defaults={
                "solution_interest": product,
                "owner": owner,
                "description": f"Who decides on {product.name}.",
            },
        )
        if made:
            roles = [dict(r, id=None, position=i) for i, r in enumerate(ROLES)]
            _sync_roles(template, roles)
        # Each product goes to a different share of target accounts, as real interest does.
        targets = list(
            Account.objects.filter(is_target=True).order_by("id").values_list("id", flat=True)
        )
        chosen = [pk for pk in targets if rng.random() < (0.8 if index == 0 else 0.35)]
        if not chosen:
            continue
        job = GenerationJob.objects.create(
            role_template=template,
            solution_interest=product,
            account_ids=chosen,
            total_accounts=len(chosen),
            created_by=owner,
        )
        job = generation_job_run(job_id=job.pk)
        created += job.groups_created
        # Spread the groups over the stages.
        from buying_groups.models import BuyingGroup

        for group in BuyingGroup.objects.filter(solution_interest=product).only("id"):
            stage = stages[min(len(stages) - 1, int(rng.random() ** 1.5 * len(stages)))]
            BuyingGroup.objects.filter(pk=group.pk).update(stage=stage)
    result = scores_recompute_all()
    if stdout:
        stdout.write(
            f"buying groups: {created} groups from {len(products)} templates; "
            f"{result['contacts_changed']} person scores computed"
        )
