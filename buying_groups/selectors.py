"""Every read behind the buying-group pages and API: lists, the overview panels, intent."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Account, Activity, Campaign, Contact, Opportunity, Product
from accounts.selectors.money import money_by_currency
from buying_groups.models import BuyingGroup, Member, RoleTemplate, Summary

T = Activity.Type
KEY_MOMENT_TYPES = (
    T.FORM_SUBMITTED,
    T.MEETING,
    T.EMAIL_REPLIED,
    T.EVENT_ATTENDED,
    T.OPPORTUNITY_CREATED,
)
INTENT_TYPES = (T.WEB_VISIT, T.FORM_SUBMITTED, T.DOCUMENT_VIEWED, T.EMAIL_CLICKED)


def buying_group_list() -> QuerySet[BuyingGroup]:
    return BuyingGroup.objects.select_related(
        "account", "solution_interest", "stage", "role_template"
    ).order_by("-id")


def role_template_list() -> QuerySet[RoleTemplate]:
    return (
        RoleTemplate.objects.select_related("solution_interest")
        .prefetch_related("roles")
        .annotate(group_count=Count("buying_groups", distinct=True))
        .order_by("name", "id")
    )


def group_roles(group: BuyingGroup) -> list:
    return list(group.role_template.roles.order_by("position", "id"))


def group_members(group: BuyingGroup) -> list[Member]:
    """Every member with contact and role, highest person engagement first."""
    return list(
        Member.objects.filter(group=group)
        .select_related("contact", "role")
        .order_by("-contact__engagement_score", "contact__last_name", "contact__first_name", "id")
    )


def role_fill(group: BuyingGroup, roles=None, members=None) -> list[dict]:
    """Each template role with its members count: what completeness is made of."""
    roles = roles if roles is not None else group_roles(group)
    members = members if members is not None else group_members(group)
    held = Counter(m.role_id for m in members)
    return [{"role": r, "count": held.get(r.pk, 0)} for r in roles]


def member_rows(group: BuyingGroup, members: list[Member]) -> dict:
    """The two overview rows: top three decision makers, then the other most engaged."""
    decision = [m for m in members if m.role.is_decision_maker or _is_dm_name(m.role.name)][:3]
    chosen = {m.pk for m in decision}
    others = [m for m in members if m.pk not in chosen][:6]
    return {"decision_makers": decision, "most_engaged": others}


def _is_dm_name(name: str) -> bool:
    return "decision" in name.casefold()


def account_contacts_not_members(group: BuyingGroup) -> list[Contact]:
    """Contacts of the group's account (primary or associated) who are not members yet."""
    member_ids = Member.objects.filter(group=group).values("contact_id")
    return list(
        Contact.objects.filter(
            Q(account_id=group.account_id) | Q(account_links__account_id=group.account_id)
        )
        .exclude(pk__in=member_ids)
        .distinct()
        .order_by("last_name", "first_name", "id")[:500]
    )


def account_overview(account: Account) -> dict:
    people = (
        Contact.objects.filter(Q(account_id=account.pk) | Q(account_links__account_id=account.pk))
        .distinct()
        .count()
    )
    open_opps = Opportunity.objects.filter(account=account).exclude(
        stage__in=Opportunity.CLOSED_STAGES
    )
    totals = open_opps.aggregate(n=Count("id"))
    campaign_ids = (
        Activity.objects.filter(account=account, campaign__isnull=False)
        .values("campaign_id")
        .order_by()
        .distinct()
    )
    campaigns = list(
        Campaign.objects.filter(pk__in=campaign_ids).order_by("-start_date", "-id")[:3]
    )
    return {
        "account": account,
        "people": people,
        "open_opportunities": totals["n"] or 0,
        # One total per currency: amounts in different currencies are never added.
        "open_values": money_by_currency(opportunities=open_opps),
        "campaigns": campaigns,
    }


def activity_counts(qs, *, since) -> dict[str, int]:
    """Counts per kind of the engagement that scores (settings weights), bots left out."""
    labels = dict(T.choices)
    scored = [k for k, w in settings.BUYING_GROUP_ENGAGEMENT["weights"].items() if w > 0]
    rows = (
        qs.filter(occurred_at__gte=since, is_bot=False, type__in=scored)
        .values("type")
        .annotate(n=Count("id"))
    )
    return {labels.get(r["type"], r["type"]).lower(): r["n"] for r in rows.order_by()}


def key_moment(contact_ids) -> Activity | None:
    return (
        Activity.objects.filter(contact_id__in=contact_ids, type__in=KEY_MOMENT_TYPES, is_bot=False)
        .select_related("contact")
        .order_by("-occurred_at", "-id")
        .first()
    )


def member_details(member: Member) -> dict:
    """What "View details" shows for one member."""
    contact = member.contact
    recent = list(Activity.objects.filter(contact=contact).order_by("-occurred_at", "-id")[:2])
    other_groups = list(
        Member.objects.filter(contact=contact)
        .exclude(group_id=member.group_id)
        .select_related("group", "group__account")
        .order_by("-added_at", "-id")[:3]
    )
    return {
        "member": member,
        "contact": contact,
        "key_moment": key_moment([contact.pk]),
        "recent": recent,
        "other_groups": other_groups,
    }


def summary_of(subject: str, object_id: int) -> Summary | None:
    return Summary.objects.filter(subject=subject, object_id=object_id).first()


# --- Intent ----------------------------------------------------------------------------------


def _matcher(term: str):
    return re.compile(rf"(?<!\w){re.escape(term.casefold())}(?!\w)")


def _activity_text(activity: Activity) -> tuple[str, list[str]]:
    meta = activity.metadata or {}
    topics = meta.get("topics") or meta.get("topic") or []
    if isinstance(topics, str):
        topics = [topics]
    topics = [str(t).casefold() for t in topics if t]
    text = " ".join(
        [activity.subject or "", activity.url or "", str(meta.get("keyword") or "")]
    ).casefold()
    # URLs separate words with - _ / and +: read them as spaces.
    text = re.sub(r"[-_/+.=?&]", " ", text)
    return text, topics


def group_intent(group: BuyingGroup, *, now=None) -> list[dict]:
    """Intent per product from the members' visits, forms, documents and email clicks.

    Each matching activity adds signal points, decayed by age with the intent half-life:
    *solution* = a form or document topic names the product (declared interest),
    *product* = the product's name appears in the page, subject or link,
    *keyword* = one of the product's keywords appears there. The strongest signal of an
    activity counts once. Levels above the confidence threshold are shown.
    """
    cfg = settings.BUYING_GROUP_INTENT
    now = now or timezone.now()
    since = now - timedelta(days=cfg["window_days"])
    contact_ids = Member.objects.filter(group=group).values("contact_id")
    activities = list(
        Activity.objects.filter(
            contact_id__in=contact_ids, type__in=INTENT_TYPES, is_bot=False, occurred_at__gte=since
        )
        .only("type", "subject", "url", "metadata", "occurred_at")
        .order_by("-occurred_at")[:5000]
    )
    products = list(Product.objects.all()[:500])
    weights = cfg["signal_weights"]
    thresholds = cfg["thresholds"]
    half_life = cfg["half_life_days"]
    matchers = [
        (
            p,
            _matcher(p.name),
            [(k, _matcher(k)) for k in (p.keywords or []) if isinstance(k, str) and k.strip()],
        )
        for p in products
    ]
    scores: dict[int, float] = defaultdict(float)
    signals: dict[int, Counter] = defaultdict(Counter)
    examples: dict[int, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for activity in activities:
        text, topics = _activity_text(activity)
        age_days = max(0.0, (now - activity.occurred_at).total_seconds() / 86400)
        decay = math.pow(0.5, age_days / half_life)
        for product, name_re, keyword_res in matchers:
            signal = None
            example = ""
            if activity.type in (T.FORM_SUBMITTED, T.DOCUMENT_VIEWED) and any(
                name_re.search(t) or any(k.search(t) for _, k in keyword_res) for t in topics
            ):
                signal, example = "solution", ", ".join(topics)
            elif name_re.search(text):
                signal, example = "product", product.name
            else:
                for keyword, keyword_re in keyword_res:
                    if keyword_re.search(text):
                        signal, example = "keyword", keyword
                        break
            if signal:
                scores[product.pk] += weights[signal] * decay
                signals[product.pk][signal] += 1
                examples[product.pk][signal].add(example)
    result = []
    for product, _, _ in matchers:
        points = scores.get(product.pk, 0.0)
        if points < thresholds["low"]:
            continue
        level = (
            "high"
            if points >= thresholds["high"]
            else "medium"
            if points >= thresholds["medium"]
            else "low"
        )
        explanation = []
        labels = {
            "solution": "form or document topics naming it",
            "product": "pages, subjects or links naming the product",
            "keyword": "pages, subjects or links with its keywords",
        }
        for signal in ("solution", "product", "keyword"):
            n = signals[product.pk][signal]
            if n:
                sample = ", ".join(sorted(examples[product.pk][signal])[:3])
                explanation.append(f"{n} × {labels[signal]} ({sample})")
        result.append(
            {
                "product": {"id": product.pk, "name": product.name},
                "level": level,
                "points": round(points, 2),
                "signals": [
                    s for s in ("keyword", "product", "solution") if signals[product.pk][s]
                ],
                "signal_counts": dict(signals[product.pk]),
                "explanation": "; ".join(explanation)
                + f". Points decay by half every {half_life:g} days.",
            }
        )
    result.sort(key=lambda r: -r["points"])
    return result
