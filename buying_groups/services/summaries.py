"""AI summaries: the facts they are written from, and their storage with a data version."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from abm.tasks import enqueue
from accounts.models import Account, Activity, Contact, Opportunity
from accounts.selectors.money import money_by_currency
from buying_groups.models import BuyingGroup, Member, Summary
from buying_groups.selectors import activity_counts, key_moment
from buying_groups.summarizers import summarize

SUBJECTS = {"group", "contact", "account"}
# Longer than the task's hard time limit (150 s): a rewrite that died leaves no stuck key.
SUMMARY_INFLIGHT_SECONDS = 180
# A failed rewrite shows its error this long before polling may try again by itself.
SUMMARY_FAILURE_SECONDS = 600


def _window() -> int:
    return settings.BUYING_GROUP_ENGAGEMENT["window_days"]


def _moment(activity: Activity | None, with_person: bool = True) -> dict | None:
    if activity is None:
        return None
    out = {
        "what": activity.get_type_display().lower()
        + (f" “{activity.subject}”" if activity.subject else ""),
        "date": activity.occurred_at.date().isoformat(),
    }
    if with_person:
        out["person"] = activity.contact.full_name or activity.contact.email
    return out


def _group_facts(group: BuyingGroup) -> dict:
    members = list(
        Member.objects.filter(group=group)
        .select_related("contact", "role")
        .order_by("-contact__engagement_score", "id")
    )
    roles = list(group.role_template.roles.order_by("position", "id"))
    held = {m.role_id for m in members}
    since = timezone.now() - timedelta(days=_window())
    contact_ids = [m.contact_id for m in members]
    return {
        "kind": "group",
        "name": group.name,
        "account": group.account.name,
        "product": group.solution_interest.name,
        "stage": group.stage.label,
        "member_count": len(members),
        "engagement_score": group.engagement_score,
        "completeness_score": group.completeness_score,
        "window_days": _window(),
        "activity_counts": activity_counts(
            Activity.objects.filter(contact_id__in=contact_ids), since=since
        )
        if contact_ids
        else {},
        "top_members": [
            {
                "name": m.contact.full_name or m.contact.email,
                "role": m.role.name,
                "score": m.contact.engagement_score,
            }
            for m in members[:3]
            if m.contact.engagement_score > 0
        ],
        "key_moment": _moment(key_moment(contact_ids)) if contact_ids else None,
        "empty_roles": [r.name for r in roles if r.pk not in held],
        "empty_required_roles": [r.name for r in roles if r.required and r.pk not in held],
    }


def _contact_facts(contact: Contact) -> dict:
    since = timezone.now() - timedelta(days=_window())
    groups = list(
        Member.objects.filter(contact=contact)
        .select_related("group")
        .order_by("-added_at")
        .values_list("group__name", flat=True)[:5]
    )
    return {
        "kind": "contact",
        "name": contact.full_name or contact.email,
        "title": contact.title,
        "account": contact.account.name if contact.account_id else "",
        "engagement_score": contact.engagement_score,
        "window_days": _window(),
        "activity_counts": activity_counts(contact.activities.all(), since=since),
        "key_moment": _moment(key_moment([contact.pk]), with_person=False),
        "groups": groups,
    }


def _account_facts(account: Account) -> dict:
    since = timezone.now() - timedelta(days=_window())
    people = (
        Contact.objects.filter(Q(account_id=account.pk) | Q(account_links__account_id=account.pk))
        .distinct()
        .count()
    )
    opps = Opportunity.objects.filter(account=account).exclude(stage__in=Opportunity.CLOSED_STAGES)
    totals = opps.aggregate(n=Count("id"))
    return {
        "kind": "account",
        "name": account.name,
        "industry": account.get_industry_display() if account.industry else "",
        "people": people,
        "open_opportunities": totals["n"] or 0,
        # Numbers, not formatted strings: the summarizers format them (and "1,234" read
        # back as a float failed every account with 1,000 or more open). One total per
        # currency: amounts in different currencies are never added.
        "open_values": [
            {"currency": t["currency"], "amount": round(float(t["amount"]))}
            for t in money_by_currency(opportunities=opps)
        ],
        "window_days": _window(),
        "activity_counts": activity_counts(Activity.objects.filter(account=account), since=since),
        "groups": list(
            BuyingGroup.objects.filter(account=account)
            .order_by("name")
            .values_list("name", flat=True)[:5]
        ),
    }


def summary_facts(subject: str, object_id: int) -> dict | None:
    """The facts a summary is written from, or None when the record is gone."""
    if subject == "group":
        group = (
            BuyingGroup.objects.select_related(
                "account", "solution_interest", "stage", "role_template"
            )
            .filter(pk=object_id)
            .first()
        )
        return _group_facts(group) if group else None
    if subject == "contact":
        contact = Contact.objects.select_related("account").filter(pk=object_id).first()
        return _contact_facts(contact) if contact else None
    if subject == "account":
        account = Account.objects.filter(pk=object_id).first()
        return _account_facts(account) if account else None
    raise ValueError(subject)


def facts_version(facts: dict) -> str:
    """A short fingerprint of the facts: a summary is current while it matches."""
    raw = json.dumps(facts, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def summary_state(subject: str, object_id: int) -> tuple[Summary | None, bool]:
    """(stored summary, whether it describes the current data)."""
    facts = summary_facts(subject, object_id)
    summary = Summary.objects.filter(subject=subject, object_id=object_id).first()
    if facts is None:
        return summary, True
    return summary, bool(summary and summary.data_version == facts_version(facts))


def _key(kind: str, subject: str, object_id: int) -> str:
    return f"buying_groups:summary-{kind}:{subject}:{object_id}"


def summary_error(subject: str, object_id: int) -> str | None:
    """Why the last rewrite of this summary failed, while no newer attempt is under way."""
    failure = cache.get(_key("failed", subject, object_id))
    return failure.get("error") if isinstance(failure, dict) else None


def summary_request(
    subject: str, object_id: int, *, retry: bool = False
) -> tuple[Summary | None, bool]:
    """The stored summary and whether it is current; queue a rewrite when it is not.

    The page polls this while the summary is stale; one rewrite is queued per data
    version, however often it polls (the in-flight key lasts past the task's time limit,
    and the task drops it when it ends). A failed rewrite is not retried by polling:
    the page shows the error until the user asks again (``retry``).
    """
    from buying_groups.tasks import summary_generate_task

    facts = summary_facts(subject, object_id)
    summary = Summary.objects.filter(subject=subject, object_id=object_id).first()
    if facts is None:
        return summary, True
    version = facts_version(facts)
    if summary and summary.data_version == version:
        return summary, True
    if retry:
        cache.delete(_key("failed", subject, object_id))
    elif summary_error(subject, object_id):
        return summary, False
    if cache.add(_key("inflight", subject, object_id), version, timeout=SUMMARY_INFLIGHT_SECONDS):

        def queue() -> None:
            if not enqueue(summary_generate_task, subject, object_id):
                cache.delete(_key("inflight", subject, object_id))

        transaction.on_commit(queue)
    return summary, False


def summary_failed(*, subject: str, object_id: int, error: str) -> None:
    """Remember that the rewrite failed, so the page shows an error instead of waiting."""
    cache.set(
        _key("failed", subject, object_id),
        {"error": error[:300], "at": timezone.now().isoformat()},
        timeout=SUMMARY_FAILURE_SECONDS,
    )
    cache.delete(_key("inflight", subject, object_id))


def summary_generate(*, subject: str, object_id: int) -> Summary | None:
    """Write (or keep) the summary of a record; idempotent by its data version."""
    if subject not in SUBJECTS:
        raise ValueError(subject)
    facts = summary_facts(subject, object_id)
    if facts is None:
        Summary.objects.filter(subject=subject, object_id=object_id).delete()
        return None
    version = facts_version(facts)
    existing = Summary.objects.filter(subject=subject, object_id=object_id).first()
    if existing and existing.data_version == version:
        cache.delete(_key("inflight", subject, object_id))
        return existing
    result = summarize(facts)
    summary, _ = Summary.objects.update_or_create(
        subject=subject,
        object_id=object_id,
        defaults={
            "text": result.text,
            "backend": result.backend,
            "note": result.note,
            "data_version": version,
            "generated_at": timezone.now(),
        },
    )
    cache.delete_many([_key("inflight", subject, object_id), _key("failed", subject, object_id)])
    return summary
