import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Activity
from accounts.tests.factories import AccountFactory, ActivityFactory, ContactFactory
from buying_groups.models import BuyingGroup
from buying_groups.services.groups import buying_group_members_assign, buying_group_members_remove
from buying_groups.services.scores import (
    completeness_of,
    contacts_recompute,
    groups_recompute,
    points_of,
    score_from_points,
    scores_recompute_all,
)
from buying_groups.tests.factories import (
    BuyingGroupFactory,
    RoleTemplateFactory,
    TemplateRoleFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _group_with_roles(weights):
    template = RoleTemplateFactory()
    roles = [
        TemplateRoleFactory(template=template, weight=w, name=f"R{i}")
        for i, w in enumerate(weights)
    ]
    group = BuyingGroupFactory(role_template=template)
    return group, roles


def _assign(group, pairs):
    buying_group_members_assign(
        user=None, group=group, items=[{"contact": c.pk, "role": r.pk} for c, r in pairs]
    )
    group.refresh_from_db()


def test_completeness_weights_known_answers():
    group, (a, b, c) = _group_with_roles([5, 3, 2])
    assert group.completeness_score == 0
    p1, p2, p3 = (ContactFactory(account=group.account) for _ in range(3))
    _assign(group, [(p1, a)])
    assert group.completeness_score == 50  # 5 / 10
    _assign(group, [(p2, b)])
    assert group.completeness_score == 80  # 8 / 10
    # A role filled twice counts once.
    _assign(group, [(p3, b)])
    assert group.completeness_score == 80
    assert group.member_count == 3


def test_completeness_rounds_half_up_and_template_without_roles_is_zero():
    group, (a, _b, _c) = _group_with_roles([1, 1, 1])
    _assign(group, [(ContactFactory(account=group.account), a)])
    assert group.completeness_score == 33  # 33.3…
    group2, (x, _y) = _group_with_roles([1, 7])
    _assign(group2, [(ContactFactory(account=group2.account), x)])
    assert group2.completeness_score == 13  # 12.5 rounds half up
    empty = BuyingGroupFactory(role_template=RoleTemplateFactory())
    groups_recompute(ids=[empty.pk])
    empty.refresh_from_db()
    assert empty.completeness_score == 0
    assert completeness_of(role_weights={}, filled_role_ids=set()) == 0
    assert completeness_of(role_weights={1: 1, 2: 7}, filled_role_ids={1}) == 13


def test_completeness_drops_when_member_removed():
    group, (a, b) = _group_with_roles([1, 1])
    p1, p2 = ContactFactory(account=group.account), ContactFactory(account=group.account)
    _assign(group, [(p1, a), (p2, b)])
    assert group.completeness_score == 100
    buying_group_members_remove(user=_admin(), group=group, contact_ids=[p2.pk])
    group.refresh_from_db()
    assert (group.completeness_score, group.member_count) == (50, 1)


def _admin():
    from accounts.tests.factories import UserFactory

    return UserFactory(username="boss", role="admin")


def _score(contact):
    contacts_recompute(ids=[contact.pk], now=NOW)
    contact.refresh_from_db()
    return contact.engagement_score


def test_engagement_grows_with_activity_and_decays_with_age():
    contact = ContactFactory()
    assert _score(contact) == 0
    previous = 0
    for _ in range(4):
        ActivityFactory(contact=contact, type="form_submitted", occurred_at=NOW)
        score = _score(contact)
        assert score > previous
        previous = score
    # Points: 4 forms x 6 = 24 -> 100 x (1 - e^(-24/20))
    assert previous == score_from_points(24, 20) == 70

    fresh, old, older = ContactFactory(), ContactFactory(), ContactFactory()
    ActivityFactory(contact=fresh, type="meeting", occurred_at=NOW - dt.timedelta(days=1))
    ActivityFactory(contact=old, type="meeting", occurred_at=NOW - dt.timedelta(days=8))
    ActivityFactory(contact=older, type="meeting", occurred_at=NOW - dt.timedelta(days=20))
    assert _score(fresh) > _score(old) > _score(older) > 0
    # One half-life of age halves the points: 8 x 0.5 = 4 -> 100 x (1 - e^(-0.2)) = 18
    seven = ContactFactory()
    ActivityFactory(contact=seven, type="meeting", occurred_at=NOW - dt.timedelta(days=7))
    assert _score(seven) == score_from_points(4, 20) == 18


def test_outside_window_bots_and_unweighted_types_do_not_count():
    contact = ContactFactory()
    ActivityFactory(contact=contact, type="email_clicked", is_bot=True, occurred_at=NOW)
    ActivityFactory(contact=contact, type="email_opened", is_bot=True, occurred_at=NOW)
    ActivityFactory(contact=contact, type="email_replied", occurred_at=NOW - dt.timedelta(days=31))
    ActivityFactory(contact=contact, type="email_sent", initiated_by="user", occurred_at=NOW)
    assert _score(contact) == 0
    ActivityFactory(contact=contact, type="email_clicked", occurred_at=NOW)
    assert _score(contact) == score_from_points(3, 20)


def test_sql_matches_python_reference():
    contact = ContactFactory()
    for days, kind in [
        (0, "web_visit"),
        (2, "email_clicked"),
        (5, "meeting"),
        (12, "form_submitted"),
    ]:
        ActivityFactory(contact=contact, type=kind, occurred_at=NOW - dt.timedelta(days=days))
    expected = score_from_points(points_of(Activity.objects.filter(contact=contact), now=NOW), 20)
    assert _score(contact) == expected


def test_group_engagement_sums_members_and_full_recompute_agrees():
    group, (a, b) = _group_with_roles([1, 1])
    p1, p2 = ContactFactory(account=group.account), ContactFactory(account=group.account)
    outsider = ContactFactory(account=group.account)
    _assign(group, [(p1, a), (p2, b)])
    ActivityFactory(contact=p1, type="email_replied", occurred_at=NOW)
    ActivityFactory(contact=p2, type="meeting", occurred_at=NOW)
    ActivityFactory(contact=outsider, type="meeting", occurred_at=NOW)
    ActivityFactory(contact=p2, type="meeting", is_bot=True, occurred_at=NOW)
    groups_recompute(ids=[group.pk], now=NOW)
    group.refresh_from_db()
    assert group.engagement_score == score_from_points(18, 60) == 26

    BuyingGroup.objects.filter(pk=group.pk).update(
        engagement_score=0, completeness_score=0, member_count=0
    )
    result = scores_recompute_all(now=NOW)
    group.refresh_from_db()
    p1.refresh_from_db()
    assert (group.engagement_score, group.completeness_score, group.member_count) == (26, 100, 2)
    assert p1.engagement_score == score_from_points(10, 20)
    assert result["groups"] >= 1


def test_listener_marks_groups_dirty_and_flush_updates(django_capture_on_commit_callbacks):
    from accounts.services.activities import activity_record

    group, (a,) = _group_with_roles([1])
    person = ContactFactory(account=group.account)
    _assign(group, [(person, a)])
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=person, type="email_replied")
    group.refresh_from_db()
    person.refresh_from_db()
    # Eager Celery in tests: the debounced flush ran right after commit.
    assert group.engagement_score == score_from_points(10, 60)
    assert person.engagement_score == score_from_points(10, 20)
    assert person.engagement_scored_at is not None


def test_other_account_contact_is_not_counted():
    acct = AccountFactory()
    group, (a,) = _group_with_roles([1])
    stranger = ContactFactory(account=acct)
    ActivityFactory(contact=stranger, type="meeting", occurred_at=NOW)
    groups_recompute(ids=[group.pk], now=NOW)
    group.refresh_from_db()
    assert group.engagement_score == 0


def _snapshot():
    from accounts.models import Contact
    from buying_groups.models import ContactScore

    return (
        sorted(ContactScore.objects.values_list("contact_id", "score")),
        sorted(Contact.objects.values_list("id", "engagement_score")),
        sorted(
            BuyingGroup.objects.values_list(
                "id", "engagement_score", "completeness_score", "member_count"
            )
        ),
    )


def test_full_recompute_equals_incremental_and_rewrites_only_what_changed():
    from accounts.models import Contact
    from buying_groups.models import ContactScore

    kinds = ["email_replied", "meeting", "email_clicked", "web_visit", "email_opened"]
    groups, people = [], []
    for g in range(3):
        group, roles = _group_with_roles([g + 1, 2, 3])
        members = [ContactFactory(account=group.account) for _ in range(3)]
        _assign(group, list(zip(members, roles[: g + 1], strict=False)))
        for index, person in enumerate(members):
            for k in range(index + g):
                ActivityFactory(
                    contact=person,
                    type=kinds[(index + k) % len(kinds)],
                    occurred_at=NOW - dt.timedelta(days=k * 3 + g, hours=index),
                    is_bot=(k == 2),
                )
        groups.append(group)
        people += members
    loner = ContactFactory()  # no group, no activity: scores 0
    ids = [p.pk for p in people] + [loner.pk]
    contacts_recompute(ids=ids, now=NOW)
    groups_recompute(ids=[g.pk for g in groups], now=NOW)
    incremental = _snapshot()
    assert incremental[0] == incremental[1]  # the accounts_contact copy matches
    assert any(score for _, score in incremental[0]) and (loner.pk, 0) in incremental[0]

    # Every score stale (the worst case after a bulk load): the full run restores them all.
    ContactScore.objects.update(score=101)
    Contact.objects.update(engagement_score=0)
    BuyingGroup.objects.update(engagement_score=0, completeness_score=0, member_count=0)
    result = scores_recompute_all(now=NOW)
    assert _snapshot() == incremental
    assert result["contacts_changed"] == len(ids)
    assert result["groups"] == 3

    # Nothing changed since: the next full run writes no row at all.
    again = scores_recompute_all(now=NOW)
    assert (again["contacts_changed"], again["groups"], again["contacts_mirrored"]) == (0, 0, 0)
    assert _snapshot() == incremental


def test_full_recompute_scores_a_contact_never_scored_before():
    from buying_groups.models import ContactScore

    person = ContactFactory()
    ActivityFactory(contact=person, type="meeting", occurred_at=NOW)
    ContactScore.objects.filter(contact=person).delete()
    scores_recompute_all(now=NOW)
    person.refresh_from_db()
    assert ContactScore.objects.get(contact=person).score == score_from_points(8, 20)
    assert person.engagement_score == score_from_points(8, 20)
    assert person.engagement_scored_at is not None


def test_an_engagement_jump_is_announced_once_to_the_feed(
    settings, django_capture_on_commit_callbacks
):
    """Activity that lifts a group by ≥ BUYING_GROUP_JUMP_POINTS in one refresh writes one
    ``buying_group.engagement_jumped`` event naming the group, from and to; a small rise
    writes none."""
    from accounts.models import HubEvent
    from accounts.services.activities import ActivityInput, activities_record_bulk
    from buying_groups.services.scores import scores_flush_dirty

    settings.BUYING_GROUP_JUMP_POINTS = 15
    group, (role,) = _group_with_roles([1])
    contact = ContactFactory(account=group.account)
    _assign(group, [(contact, role)])
    scores_flush_dirty()
    jumped = HubEvent.objects.filter(kind="buying_group.engagement_jumped")
    with django_capture_on_commit_callbacks(execute=True):
        activities_record_bulk([ActivityInput(contact_id=contact.pk, type="web_visit")])
    scores_flush_dirty()
    assert not jumped.exists()  # one visit: a small rise
    with django_capture_on_commit_callbacks(execute=True):
        activities_record_bulk(
            [ActivityInput(contact_id=contact.pk, type="meeting") for _ in range(6)]
        )
    scores_flush_dirty()
    group.refresh_from_db()
    (event,) = jumped
    assert (
        event.payload["buying_group"] == group.pk and event.payload["to"] == group.engagement_score
    )
    assert event.payload["to"] - event.payload["from"] >= 15
    assert event.account_id == group.account_id
