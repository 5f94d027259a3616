"""Cadences: enrolment (skips, limits, once at a time), the worker (steps once, consent at
send time, task steps), replies end / out-of-office does not, bounces, the rollup, roles."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import AccountRollup, Activity, Task
from accounts.services import task_complete
from accounts.services.rollups import rollups_rebuild, rollups_refresh
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    OpportunityFactory,
    UserFactory,
)
from sales_actions.cadences import enrolment as people
from sales_actions.cadences import scheduler, services
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment, StepRun
from sales_actions.cadences.schedule import step_due_at
from sales_actions.cadences.selectors import cadence_list, cadence_step_figures
from sales_actions.models import SalesEmail
from sales_actions.services import email_inbound_record
from sales_actions.services.tracking import is_auto_reply
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db
K = CadenceStep.Kind


@pytest.fixture
def cadence(sales_rep):
    """Email now, a call task a day later, a second email two days after that: 24/7."""
    c = services.cadence_create(
        user=sales_rep, name="Seed outreach", skip_weekends=False,
        business_hours_start=time(0, 0), business_hours_end=time(23, 59, 59),
    )  # fmt: skip
    template = EmailTemplateFactory()
    services.cadence_step_add(user=sales_rep, cadence=c, kind=K.AUTO_EMAIL, template_id=template.pk)
    services.cadence_step_add(user=sales_rep, cadence=c, kind=K.CALL, day_offset=1)
    services.cadence_step_add(
        user=sales_rep, cadence=c, kind=K.AUTO_EMAIL, day_offset=2, template_id=template.pk
    )
    return c


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the scheduler's tick (eager: its advance task too) and a batch at ``now``, with
    the after-commit work (outbox delivery); returns how many steps ran."""

    def tick(now=None):
        before = StepRun.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            scheduler.cadences_tick(now=now)
            scheduler.enrolments_advance_batch(now=now or timezone.now())
        return StepRun.objects.count() - before

    return tick


def _enrol(user, cadence, contacts):
    return people.enrolments_add(user=user, cadence=cadence, contacts=contacts)


def test_enrol_skips_already_enrolled_no_consent_and_no_email(sales_rep, cadence):
    ok = ContactFactory()
    no_consent = ContactFactory(allow_email=False)
    no_email = ContactFactory(email="")
    _enrol(sales_rep, cadence, [ok])
    plan = _enrol(sales_rep, cadence, [ok, no_consent, no_email, ContactFactory()])
    reasons = {p["contact_id"]: p["reason"] for p in plan.people}
    assert reasons[ok.pk] == "already"
    assert reasons[no_consent.pk] == "no_consent"
    assert reasons[no_email.pk] == "no_email"
    assert len(plan.enrol) == 1
    assert Enrolment.objects.filter(cadence=cadence).count() == 2
    added = Activity.objects.filter(type="campaign_added")
    assert added.count() == 2
    assert added.first().metadata["cadence"] == cadence.pk


def test_enrol_strict_is_all_or_nothing_with_per_item_errors(sales_rep, cadence):
    ok, bad = ContactFactory(), ContactFactory(allow_email=False)
    with pytest.raises(ApplicationError) as exc:
        people.enrolments_add(user=sales_rep, cadence=cadence, contacts=[ok, bad], strict=True)
    assert exc.value.extra["errors"][0]["contact"] == bad.pk
    assert not Enrolment.objects.exists()


def test_enrolment_limit_and_sources(sales_rep, cadence):
    with pytest.raises(ApplicationError) as exc:
        people.people_resolve(contact_ids=range(1, 1002))
    assert exc.value.field == "contacts"
    account = AccountFactory()
    staff = ContactFactory.create_batch(3, account=account)
    assert {c.pk for c in people.people_resolve(account_id=account.pk)} == {c.pk for c in staff}
    lead = LeadFactory()
    assert [c.pk for c in people.people_resolve(lead_ids=[lead.pk])] == [lead.contact_id]
    deal = OpportunityFactory(account=account)
    assert people.people_resolve(opportunity_id=deal.pk) == []
    with pytest.raises(ApplicationError):
        people.people_resolve(contact_ids=["x"])


def test_a_person_is_in_a_cadence_once_at_a_time_and_again_after_removal(sales_rep, cadence):
    contact = ContactFactory()
    _enrol(sales_rep, cadence, [contact])
    people.enrolments_change(
        user=sales_rep, cadence=cadence, action="remove", contact_ids=[contact.pk]
    )
    assert Activity.objects.filter(type="campaign_removed", contact=contact).exists()
    plan = _enrol(sales_rep, cadence, [contact])
    assert len(plan.enrol) == 1
    statuses = sorted(Enrolment.objects.values_list("status", flat=True))
    assert statuses == ["active", "removed"]


def test_each_step_runs_once_and_in_order(sales_rep, cadence, run):
    contact = ContactFactory()
    _enrol(sales_rep, cadence, [contact])
    assert run() == 1
    assert run() == 0  # nothing due until tomorrow: the first step never runs twice
    assert len(mail.outbox) == 1
    enrolment = Enrolment.objects.get()
    assert enrolment.step.kind == K.CALL
    run(now=timezone.now() + timedelta(days=1, minutes=1))
    task = Task.objects.get(contact=contact)
    assert task.type == "call" and task.owner == sales_rep
    assert StepRun.objects.get(task=task).step.position == 2
    enrolment.refresh_from_db()
    assert enrolment.waiting_task == task
    # The next email waits for the task: done (or due) first.
    task_complete(user=sales_rep, task=task)
    scheduler.tasks_done_wake()
    enrolment.refresh_from_db()
    assert enrolment.waiting_task is None
    run(now=timezone.now() + timedelta(days=10))
    enrolment.refresh_from_db()
    assert enrolment.status == "finished"
    assert StepRun.objects.filter(enrolment=enrolment).count() == 3
    assert len(mail.outbox) == 2
    assert scheduler.enrolments_advance_batch(now=timezone.now() + timedelta(days=20)) == 0


def test_a_step_is_not_run_again_when_its_run_exists(sales_rep, cadence, run):
    """A redelivered task after the commit: the enrolment moved on, nothing reruns; even a
    due row whose run exists (a manual rewind) advances without a second email."""
    contact = ContactFactory()
    _enrol(sales_rep, cadence, [contact])
    run()
    enrolment = Enrolment.objects.get()
    first = cadence.steps.order_by("position").first()
    Enrolment.objects.filter(pk=enrolment.pk).update(step=first, next_due_at=timezone.now())
    run()
    assert SalesEmail.objects.count() == 1
    assert StepRun.objects.count() == 1


def test_consent_is_checked_again_when_the_email_step_runs(sales_rep, cadence, run):
    contact = ContactFactory()
    _enrol(sales_rep, cadence, [contact])
    contact.allow_email = False
    contact.save(update_fields=["allow_email"])
    run()
    step_run = StepRun.objects.get()
    assert step_run.status == "skipped" and "allow email" in step_run.reason
    assert not SalesEmail.objects.exists() and not mail.outbox
    assert Enrolment.objects.get().step.position == 2


def test_paused_people_and_paused_cadences_wait(sales_rep, cadence, run):
    a, b = ContactFactory(), ContactFactory()
    _enrol(sales_rep, cadence, [a, b])
    people.enrolments_change(user=sales_rep, cadence=cadence, action="pause", contact_ids=[a.pk])
    assert run() == 1
    services.cadence_update(user=sales_rep, cadence=cadence, status="paused")
    people.enrolments_change(user=sales_rep, cadence=cadence, action="resume", contact_ids=[a.pk])
    assert run(now=timezone.now() + timedelta(days=5)) == 0
    services.cadence_update(user=sales_rep, cadence=cadence, status="active")
    assert run() == 1


def _reply(email, subject, body="Thanks, let's talk Thursday."):
    raw = (
        f"From: <{email.to_email}>\r\nTo: <rep@hub.example>\r\nSubject: {subject}\r\n"
        f"Message-ID: <r{email.pk}{abs(hash(subject))}@mail.example>\r\n"
        f"In-Reply-To: {email.message_id}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        f"{body}\r\n"
    )
    return email_inbound_record(raw=raw.encode())


def test_a_reply_ends_the_cadence(sales_rep, cadence, run):
    _enrol(sales_rep, cadence, [ContactFactory()])
    run()
    assert _reply(SalesEmail.objects.get(), "Re: hello")["kind"] == "reply"
    enrolment = Enrolment.objects.get()
    assert enrolment.status == "replied" and enrolment.next_due_at is None


def test_a_reply_does_not_end_it_when_the_cadence_says_so(sales_rep, cadence, run):
    services.cadence_update(user=sales_rep, cadence=cadence, end_on_reply=False)
    _enrol(sales_rep, cadence, [ContactFactory()])
    run()
    _reply(SalesEmail.objects.get(), "Re: hello")
    assert Enrolment.objects.get().status == "active"


OUT_OF_OFFICE = [
    ("en", "Automatic reply: hello", "I am out of the office until Monday."),
    ("zh", "自动回复: 你好", "您好，我目前不在办公室，回来后回复您。"),
    ("zh-body", "Re: 你好", "自动回复：我目前不在办公室。"),
    ("zh-hant", "自動回覆: 你好", "我目前不在辦公室。"),
    ("pl", "Automatyczna odpowiedź: Dzień dobry", "Jestem poza biurem do poniedziałku."),
    ("pl-body", "Re: Dzień dobry", "Dzień dobry, jestem poza biurem do 12 marca."),
    ("th", "ตอบกลับอัตโนมัติ: สวัสดี", "ขณะนี้ฉันไม่อยู่ที่สำนักงาน"),
    ("th-body", "Re: สวัสดี", "ไม่อยู่ที่สำนักงาน จะกลับวันจันทร์"),
]


@pytest.mark.parametrize(
    ("lang", "subject", "body"), OUT_OF_OFFICE, ids=[o[0] for o in OUT_OF_OFFICE]
)
def test_an_out_of_office_reply_does_not_end_the_cadence(
    sales_rep, cadence, run, lang, subject, body
):
    _enrol(sales_rep, cadence, [ContactFactory()])
    run()
    assert _reply(SalesEmail.objects.get(), subject, body)["kind"] == "auto_reply"
    assert Enrolment.objects.get().status == "active"


@pytest.mark.parametrize(
    "body",
    ["Dziękuję, porozmawiajmy w czwartek.", "谢谢，周四聊。", "ขอบคุณครับ คุยกันวันพฤหัส"],
)
def test_a_human_reply_in_these_languages_is_a_reply(body):
    from email import message_from_string, policy

    message = message_from_string(
        f"Subject: Re: hello\nContent-Type: text/plain; charset=utf-8\n\n{body}\n",
        policy=policy.default,
    )
    assert not is_auto_reply(message)


def test_a_bounce_ends_the_cadence(sales_rep, cadence, run):
    _enrol(sales_rep, cadence, [ContactFactory()])
    run()
    SalesEmail.objects.update(status="failed", error="550 no such user")
    run()
    assert Enrolment.objects.get().status == "bounced"


def test_next_cadence_email_feeds_next_scheduled_and_rebuild_agrees(sales_rep, cadence, run):
    account = AccountFactory()
    contact = ContactFactory(account=account)
    _enrol(sales_rep, cadence, [contact])
    run()  # the first email is out; the next email is the third step, after the call task
    Task.objects.update(due_at=timezone.now() + timedelta(days=30))  # far: not the earliest
    Enrolment.objects.update(waiting_task=None)
    enrolment = Enrolment.objects.get()
    email_step = cadence.steps.get(position=3)
    due = timezone.now() + timedelta(days=3)
    Enrolment.objects.filter(pk=enrolment.pk).update(step=email_step, next_due_at=due)
    rollups_refresh(account_ids=[account.pk])
    assert AccountRollup.objects.get(account=account).next_scheduled_at == due
    assert rollups_rebuild().drifted == 0
    people.enrolments_change(
        user=sales_rep, cadence=cadence, action="remove", contact_ids=[contact.pk]
    )
    rollups_refresh(account_ids=[account.pk])
    assert AccountRollup.objects.get(account=account).next_scheduled_at != due


def test_friday_evening_enrolment_waits_for_monday(sales_rep):
    sales_rep.time_zone = "Europe/Warsaw"
    sales_rep.save(update_fields=["time_zone"])
    c = services.cadence_create(user=sales_rep, name="Hours")
    services.cadence_step_add(user=sales_rep, cadence=c, kind=K.CALL)
    friday = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)  # 18:30 in Warsaw
    due = step_due_at(
        previous=friday, day_offset=0, send_time=None, rules=services.cadence_rules(c)
    )
    assert due == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_steps_editor_rules(sales_rep, other_rep, cadence):
    draft = EmailTemplateFactory(status="draft")
    with pytest.raises(ApplicationError) as exc:
        services.cadence_step_add(
            user=sales_rep, cadence=cadence, kind=K.AUTO_EMAIL, template_id=draft.pk
        )
    assert exc.value.field == "template"
    with pytest.raises(ApplicationError) as exc:
        services.cadence_step_add(user=sales_rep, cadence=cadence, kind=K.CALL, day_offset=-1)
    assert exc.value.field == "day_offset"
    with pytest.raises(ForbiddenError):
        services.cadence_step_add(user=other_rep, cadence=cadence, kind=K.CALL)
    ids = list(cadence.steps.order_by("position").values_list("pk", flat=True))
    services.cadence_steps_reorder(user=sales_rep, cadence=cadence, step_ids=ids[::-1])
    assert list(cadence.steps.order_by("position").values_list("pk", flat=True)) == ids[::-1]
    services.cadence_step_delete(user=sales_rep, step=cadence.steps.get(pk=ids[1]))
    assert list(cadence.steps.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_role_scoping(sales_rep, other_rep, marketer, team, cadence):
    teammate = UserFactory(team=team)
    private = services.cadence_create(user=sales_rep, name="Mine only", visibility="private")
    assert set(cadence_list(user=sales_rep, scope="mine")) == {cadence, private}
    assert set(cadence_list(user=teammate, scope="team")) == {cadence}
    assert set(cadence_list(user=other_rep, scope="usable")) == set()
    assert set(cadence_list(user=marketer, scope="all")) == {cadence, private}
    assert set(cadence_list(user=other_rep, scope="all")) == set()
    with pytest.raises(ForbiddenError):
        _enrol(other_rep, cadence, [ContactFactory()])
    _enrol(teammate, cadence, [ContactFactory()])  # a shared cadence is the team's to use
    with pytest.raises(ForbiddenError):
        services.cadence_update(user=teammate, cadence=cadence, name="Renamed")


def test_step_figures_count_people_not_bots(sales_rep, cadence, run):
    _enrol(sales_rep, cadence, ContactFactory.create_batch(2))
    run()
    first, second = SalesEmail.objects.order_by("pk")
    SalesEmail.objects.filter(pk=first.pk).update(opened_at=timezone.now(), bot_open_count=0)
    SalesEmail.objects.filter(pk=second.pk).update(bot_open_count=3)  # a scanner only
    step = cadence.steps.get(position=1)
    figures = cadence_step_figures(cadence=cadence)[step.pk]
    assert figures["sent"] == 2 and figures["opened"] == 1 and figures["clicked"] == 0


def test_cadence_paused_cadence_refuses_enrolment(sales_rep, cadence):
    services.cadence_update(user=sales_rep, cadence=cadence, status=Cadence.Status.PAUSED)
    with pytest.raises(ApplicationError):
        _enrol(sales_rep, cadence, [ContactFactory()])


def test_end_reasons_are_shown_in_the_readers_language():
    from django.utils import translation

    from sales_actions.cadences.models import Enrolment

    assert Enrolment(end_reason="removed by rep1").end_reason_display == "removed by rep1"
    assert Enrolment(end_reason="email bounced").end_reason_display == "email bounced"
    with translation.override("pl"):
        # Without a Polish catalogue the English text comes back, never the code of a status.
        assert Enrolment(end_reason="replied").end_reason_display in ("replied", "odpowiedział")


DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: rep@hub.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system at host mx.example.net. I'm sorry to have to inform you...

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {to}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {status} mailbox unavailable

--B
Content-Type: text/rfc822-headers

From: Sam Seller <rep@hub.example>
To: {to}
Subject: Hello
Message-ID: {message_id}

--B--
"""


def test_a_delivery_status_notification_is_a_bounce_that_ends_the_cadence(
    sales_rep, cadence, run, settings
):
    from django.test import Client

    settings.SALES_EMAIL_INBOUND_SECRET = "s3cret"
    _enrol(sales_rep, cadence, [ContactFactory()])
    run()
    email = SalesEmail.objects.get()

    def post(action, status):
        raw = DSN.format(to=email.to_email, message_id=email.message_id, action=action,
                         status=status)  # fmt: skip
        return Client().post(
            "/api/v1/inbound-email/", data=raw.encode(), content_type="message/rfc822",
            HTTP_X_INBOUND_SECRET="s3cret",
        ).json()  # fmt: skip

    # A delay (4.x.x) is noted, nothing ends.
    assert post("delayed", "4.4.1") == {"matched": True, "kind": "delayed", "sales_email": email.pk}
    email.refresh_from_db()
    assert email.status == "sent"
    assert post("failed", "5.1.1") == {"matched": True, "kind": "bounce", "sales_email": email.pk}
    email.refresh_from_db()
    assert email.status == "failed" and email.error.startswith("Bounced: 5.1.1")
    run()
    assert Enrolment.objects.get().status == "bounced"
