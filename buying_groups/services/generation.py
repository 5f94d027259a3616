"""The generation job: create the missing groups for many accounts and fill them by rule."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_generate_buying_groups
from abm.tasks import enqueue
from accounts.filters import AccountFilter
from accounts.models import Account, Contact, HubEvent, Product, User
from buying_groups.conditions import role_for_contact
from buying_groups.models import BuyingGroup, GenerationJob, Member, RoleTemplate
from buying_groups.services.groups import default_stage, member_events
from buying_groups.services.scores import groups_recompute

logger = logging.getLogger(__name__)

CHUNK = 200
SKIPPED_KEPT = 500
MAX_ACCOUNTS_PER_JOB = 200_000


def _accounts(job: GenerationJob):
    if job.all_targets:
        qs = Account.objects.filter(is_target=True)
    elif job.account_ids:
        qs = Account.objects.filter(pk__in=job.account_ids)
    else:
        data = MultiValueDict(
            {k: v if isinstance(v, list) else [v] for k, v in (job.account_filter or {}).items()}
        )
        qs = AccountFilter(data=data, queryset=Account.objects.all()).qs
    return qs.order_by("id")


def generation_job_start(
    *,
    user: User,
    role_template: RoleTemplate,
    solution_interest: Product,
    all_targets: bool = False,
    account_ids: list[int] | None = None,
    account_filter: dict | None = None,
) -> GenerationJob:
    """Validate and queue a generation job; a worker runs it after commit."""
    from buying_groups.tasks import generation_job_run_task

    if not may_generate_buying_groups(user):
        raise ForbiddenError("Only marketers and admins can generate buying groups.")
    if not role_template.roles.exists():
        raise ApplicationError("This template has no roles to fill.", field="role_template")
    if not all_targets and not account_ids and not account_filter:
        raise ApplicationError(
            "Choose the accounts: all target accounts, a filter or a list.", field="accounts"
        )
    if account_filter:
        form = AccountFilter(data=account_filter, queryset=Account.objects.all()).form
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise ApplicationError(f"Account filter {field}: {errors[0]}", field="account_filter")
    job = GenerationJob(
        role_template=role_template,
        solution_interest=solution_interest,
        all_targets=all_targets,
        account_ids=[int(pk) for pk in account_ids or []],
        account_filter=account_filter or {},
        created_by=user,
    )
    count = _accounts(job).count()
    if count == 0:
        raise ApplicationError("No account matches this choice.", field="accounts")
    if count > MAX_ACCOUNTS_PER_JOB:
        raise ApplicationError(
            f"At most {MAX_ACCOUNTS_PER_JOB:,} accounts per job; {count:,} match.", field="accounts"
        )
    job.total_accounts = count
    with transaction.atomic():
        job.save()
        transaction.on_commit(lambda: enqueue(generation_job_run_task, job.pk))
    return job


def _contacts_by_account(account_ids: list[int]) -> dict[int, list[Contact]]:
    out: dict[int, list[Contact]] = {pk: [] for pk in account_ids}
    seen: set[tuple[int, int]] = set()
    contacts = Contact.objects.filter(
        Q(account_id__in=account_ids) | Q(account_links__account_id__in=account_ids)
    ).values_list("id", "account_id", "title", "department", "buying_roles_mask")
    # One query for the links too: a contact may belong to several chosen accounts.
    from accounts.models import ContactAccount

    links = ContactAccount.objects.filter(account_id__in=account_ids).values_list(
        "contact_id", "account_id"
    )
    by_id = {}
    for pk, account_id, title, department, mask in contacts:
        by_id[pk] = Contact(
            pk=pk, account_id=account_id, title=title, department=department, buying_roles_mask=mask
        )
    pairs = [(c.account_id, c.pk) for c in by_id.values() if c.account_id in out]
    pairs += [(account_id, contact_id) for contact_id, account_id in links]
    for account_id, contact_id in pairs:
        if (account_id, contact_id) in seen or contact_id not in by_id:
            continue
        seen.add((account_id, contact_id))
        out[account_id].append(by_id[contact_id])
    for people in out.values():
        people.sort(key=lambda c: c.pk)
    return out


def generation_job_run(*, job_id: int) -> GenerationJob | None:
    """Run (or resume) a job. Idempotent: groups that exist are skipped, never duplicated."""
    job = GenerationJob.objects.filter(pk=job_id).select_related("role_template").first()
    if job is None or job.is_finished:
        return job
    GenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationJob.Status.RUNNING, started_at=job.started_at or timezone.now()
    )
    # A resumed job recounts from scratch: counters are rebuilt from what this run does.
    job.processed_accounts = job.groups_created = job.members_added = job.skipped_count = 0
    job.skipped = []
    try:
        roles = list(job.role_template.roles.order_by("position", "id"))
        stage = default_stage()
        ids = list(_accounts(job).values_list("id", flat=True))
        job.total_accounts = len(ids)
        for start in range(0, len(ids), CHUNK):
            _run_chunk(job, ids[start : start + CHUNK], roles, stage)
            GenerationJob.objects.filter(pk=job.pk).update(
                total_accounts=job.total_accounts,
                processed_accounts=job.processed_accounts,
                groups_created=job.groups_created,
                members_added=job.members_added,
                skipped=job.skipped,
                skipped_count=job.skipped_count,
            )
    except Exception as exc:  # a failed job says why instead of staying "running" forever
        logger.exception("generation job %s failed", job.pk)
        GenerationJob.objects.filter(pk=job.pk).update(
            status=GenerationJob.Status.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        raise
    GenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationJob.Status.SUCCEEDED, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _skip(job: GenerationJob, account_id: int, name: str, reason: str) -> None:
    job.skipped_count += 1
    if len(job.skipped) < SKIPPED_KEPT:
        job.skipped.append({"account": account_id, "name": name, "reason": reason})


def _run_chunk(job: GenerationJob, account_ids: list[int], roles, stage) -> None:
    product = job.solution_interest
    names = dict(Account.objects.filter(pk__in=account_ids).values_list("id", "name"))
    has_group = set(
        BuyingGroup.objects.filter(
            account_id__in=account_ids, solution_interest=product
        ).values_list("account_id", flat=True)
    )
    people = _contacts_by_account(account_ids)
    created_ids = []
    with transaction.atomic():
        for account_id in account_ids:
            job.processed_accounts += 1
            name = names.get(account_id, f"#{account_id}")
            if account_id not in names:
                _skip(job, account_id, name, "The account was deleted.")
                continue
            if account_id in has_group:
                _skip(job, account_id, name, f"Already has a buying group for {product.name}.")
                continue
            contacts = people.get(account_id) or []
            if not contacts:
                _skip(job, account_id, name, "The account has no contacts.")
                continue
            matched = [(c, role_for_contact(roles, c)) for c in contacts]
            matched = [(c, r) for c, r in matched if r is not None]
            if not matched:
                _skip(job, account_id, name, "No contact matches any role of the template.")
                continue
            try:
                with transaction.atomic():
                    group = BuyingGroup.objects.create(
                        account_id=account_id,
                        name=f"{name} — {product.name}"[:255],
                        solution_interest=product,
                        role_template=job.role_template,
                        stage=stage,
                        created_by=job.created_by,
                    )
                    Member.objects.bulk_create(
                        [
                            Member(group=group, contact_id=c.pk, role=r, source=Member.Source.RULE)
                            for c, r in matched
                        ]
                    )
                    member_events(
                        group,
                        [(c.pk, r.pk) for c, r in matched],
                        kind=HubEvent.Kind.BUYING_GROUP_MEMBER_ADDED,
                        user=None,
                        source=Member.Source.RULE,
                    )
            except IntegrityError:
                # Someone created it meanwhile (or a twin run did): no duplicate.
                _skip(job, account_id, name, f"Already has a buying group for {product.name}.")
                continue
            created_ids.append(group.pk)
            job.groups_created += 1
            job.members_added += len(matched)
        for start in range(0, len(created_ids), 500):
            groups_recompute(ids=created_ids[start : start + 500])
