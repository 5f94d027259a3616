import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Activity, ConsentChange
from accounts.tests.factories import ContactFactory
from sales_actions.models import EmailEvent, SalesEmail
from sales_actions.selectors import sender_report, template_report
from sales_actions.signing import token_make
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Version/17.4 Safari"


@pytest.fixture
def sent(send, sales_rep):
    """One tracked sales email, sent a minute ago (so opens are not "too soon")."""
    template = EmailTemplateFactory()
    contact = ContactFactory(first_name="Jo")
    result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    SalesEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now() - timedelta(minutes=1))
    email.refresh_from_db()
    return email


def _urls(kind: str) -> list[str]:
    html = mail.outbox[-1].alternatives[0][0]
    return [
        u.replace("http://127.0.0.1:8000", "")
        for u in re.findall(rf'"(http[^"]*/emails/t/{kind}/[^"]*)"', html)
    ]


def test_open_pixel_records_a_human_open_and_an_activity(sent):
    (pixel,) = _urls("o")
    response = Client().get(pixel, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    sent.refresh_from_db()
    assert sent.opened_at is not None and sent.open_count == 1
    activity = Activity.objects.get(type="email_opened", contact=sent.contact)
    assert activity.is_bot is False
    assert activity.metadata["template"] == sent.template_id
    assert activity.metadata["sender"] == sent.sender_id


def test_click_redirects_only_to_the_stored_link(sent):
    first, second = _urls("c")
    response = Client().get(first, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/guide?x=1"
    sent.refresh_from_db()
    assert sent.clicked_at is not None and sent.click_count == 1
    assert Activity.objects.get(type="email_clicked").url == "https://example.com/guide?x=1"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
        lambda t: "9" + t,  # altered value
        lambda t: "1-0.forged",  # made up
        lambda t: token_make("open", 1),  # a valid token for another purpose
    ],
)
def test_forged_or_altered_click_tokens_are_404(sent, mutate):
    (first, _second) = _urls("c")
    token = first.split("/emails/t/c/")[1].rstrip("/")
    response = Client().get(f"/emails/t/c/{mutate(token)}/?url=https://evil.example")
    assert response.status_code == 404
    assert not EmailEvent.objects.exists()


def test_a_valid_token_for_a_link_that_does_not_exist_is_404(sent):
    token = token_make("click", sent.pk, 7)
    assert Client().get(f"/emails/t/c/{token}/").status_code == 404
    assert Client().get(f"/emails/t/o/{token_make('open', 999999)}.gif").status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"method": "head", "HTTP_USER_AGENT": BROWSER}, "head_request"),
        ({"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Barracuda Sentinel)"}, "scanner_user_agent"),
        ({"HTTP_USER_AGENT": "python-requests/2.31"}, "scanner_user_agent"),
        ({"HTTP_USER_AGENT": "Mozilla/5.0"}, "privacy_proxy"),
        ({"HTTP_USER_AGENT": BROWSER, "REMOTE_ADDR": "17.58.1.2"}, "privacy_proxy"),
        ({"HTTP_USER_AGENT": ""}, "no_user_agent"),
    ],
)
def test_machine_opens_are_flagged_and_left_out_of_reports(sent, kwargs, reason):
    (pixel,) = _urls("o")
    method = kwargs.pop("method", "get")
    getattr(Client(), method)(pixel, **kwargs)
    event = EmailEvent.objects.get()
    assert event.is_bot and event.bot_reason == reason
    assert Activity.objects.get(type="email_opened").is_bot is True
    sent.refresh_from_db()
    assert sent.opened_at is None and sent.bot_open_count == 1
    (row,) = template_report(template_ids=[sent.template_id])
    assert row["delivered"] == 1 and row["opened"] == 0


def test_open_seconds_after_sending_is_a_machine(sent):
    SalesEmail.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    (pixel,) = _urls("o")
    Client().get(pixel, HTTP_USER_AGENT=BROWSER)
    assert EmailEvent.objects.get().bot_reason == "too_soon_after_send"


def test_every_link_clicked_within_a_second_is_a_scanner(sent):
    first, second = _urls("c")
    client = Client()
    client.get(first, HTTP_USER_AGENT=BROWSER)
    client.get(second, HTTP_USER_AGENT=BROWSER)
    assert set(EmailEvent.objects.values_list("bot_reason", flat=True)) == {"clicked_every_link"}
    assert set(Activity.objects.filter(type="email_clicked").values_list("is_bot", flat=True)) == {
        True
    }
    sent.refresh_from_db()
    assert sent.clicked_at is None and sent.bot_click_count == 2


def test_report_counts_and_rates_per_template_and_sender(sent, sales_rep):
    (pixel,) = _urls("o")
    Client().get(pixel, HTTP_USER_AGENT=BROWSER)
    (row,) = template_report(template_ids=[sent.template_id])
    assert (row["sent"], row["delivered"], row["opened"], row["clicked"]) == (1, 1, 1, 0)
    assert row["opened_rate"] == 100.0 and row["clicked_rate"] == 0.0
    (by_sender,) = sender_report()
    assert by_sender["sender_id"] == sales_rep.pk and by_sender["opened"] == 1


# --- Unsubscribe ---------------------------------------------------------------------


@pytest.fixture
def marketing(send, sales_rep):
    template = EmailTemplateFactory(kind="marketing")
    contact = ContactFactory()
    send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"]
    url = re.search(r"<(https?://[^>]+)>", header).group(1).replace("http://127.0.0.1:8000", "")
    return template, contact, url


def test_one_click_unsubscribe_by_post_without_login(send, sales_rep, marketing):
    template, contact, url = marketing
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    # The List-Unsubscribe link lands in the subscription centre.
    assert page.status_code == 200 and b"Unsubscribe from all marketing email" in page.content
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True  # GET only asks
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False and contact.allow_email is True
    change = ConsentChange.objects.get(contact=contact)
    assert (change.field, change.old_value, change.new_value) == ("allow_bulk_email", True, False)
    assert change.source == "one_click" and change.occurred_at is not None
    # It takes effect at once: the next marketing send skips them.
    result = send(
        user=sales_rep, template_id=template.pk, contact_ids=[contact.pk, ContactFactory().pk]
    )
    assert [r["contact_id"] for r in result.skipped] == [contact.pk]


def test_forged_unsubscribe_token_is_404(marketing):
    _template, contact, url = marketing
    assert Client().post(url[:-2] + "x/").status_code == 404
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True


# --- Inbound replies ------------------------------------------------------------------

REPLY = """\
Return-Path: <{to}>
From: Jo Buyer <{to}>
To: Sam Seller <rep@hub.example>
Subject: Re: {subject}
Date: Tue, 24 Nov 2026 09:12:03 +0100
Message-ID: <CAF=abc123@mail.gmail.com>
In-Reply-To: {in_reply_to}
References: {references}
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

Thanks Sam, let's talk on Thursday.

On Mon, Nov 23, 2026 Sam Seller wrote:
> Hi Jo,
"""

OUT_OF_OFFICE = """\
From: Jo Buyer <{to}>
To: rep@hub.example
Subject: Automatic reply: {subject}
Date: Tue, 24 Nov 2026 09:12:03 +0100
Message-ID: <oof-{n}@exchange.example>
In-Reply-To: {in_reply_to}
{extra}MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

I am out of the office until December 1st with limited access to email.
"""


def _post(raw: str, secret="s3cret"):
    return Client().post(
        "/api/v1/inbound-email/",
        data=raw.encode(),
        content_type="message/rfc822",
        HTTP_X_INBOUND_SECRET=secret,
    )


@pytest.fixture
def inbound(settings):
    settings.SALES_EMAIL_INBOUND_SECRET = "s3cret"


def test_reply_matched_by_in_reply_to_is_an_activity(inbound, sent):
    raw = REPLY.format(
        to=sent.to_email, subject=sent.subject, in_reply_to=sent.message_id, references=""
    )
    response = _post(raw)
    assert response.status_code == 200
    assert response.json() == {"matched": True, "kind": "reply", "sales_email": sent.pk}
    sent.refresh_from_db()
    assert sent.replied_at is not None
    activity = Activity.objects.get(type="email_replied")
    assert activity.contact == sent.contact and activity.metadata["template"] == sent.template_id
    # The gateway retrying the same delivery does not double count.
    assert _post(raw).json()["kind"] == "reply"
    assert Activity.objects.filter(type="email_replied").count() == 1


def test_reply_matched_by_references_chain(inbound, sent):
    raw = REPLY.format(
        to=sent.to_email,
        subject=sent.subject,
        in_reply_to="<other@elsewhere.example>",
        references=f"<thread-start@elsewhere.example> {sent.message_id}",
    )
    assert _post(raw).json()["sales_email"] == sent.pk


def test_reply_matched_by_reply_address_token(inbound, settings, send, sales_rep):
    settings.SALES_EMAIL_REPLY_DOMAIN = "reply.hub.example"
    template = EmailTemplateFactory()
    contact = ContactFactory()
    result = send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    reply_to = mail.outbox[-1].reply_to[0]
    assert reply_to.startswith("reply+") and reply_to.endswith("@reply.hub.example")
    raw = REPLY.format(to=contact.email, subject="x", in_reply_to="", references="").replace(
        "To: Sam Seller <rep@hub.example>", f"To: <{reply_to}>"
    )
    assert _post(raw).json()["sales_email"] == result.queued[0]["sales_email_id"]
    forged = raw.replace(reply_to, "reply+" + "1.forged" + "@reply.hub.example")
    assert _post(forged.replace("CAF=abc123", "other")).json()["matched"] is False


@pytest.mark.parametrize(
    ("extra", "subject_prefix"),
    [
        ("Auto-Submitted: auto-replied\n", "Automatic reply: "),
        ("X-Autoreply: yes\n", "Re: "),
        ("", "Out of Office: "),
    ],
)
def test_out_of_office_is_an_auto_reply_not_a_reply(inbound, sent, extra, subject_prefix):
    raw = OUT_OF_OFFICE.format(
        to=sent.to_email, subject=sent.subject, in_reply_to=sent.message_id, extra=extra, n=1
    ).replace("Subject: Automatic reply: ", f"Subject: {subject_prefix}")
    assert _post(raw).json()["kind"] == "auto_reply"
    sent.refresh_from_db()
    assert sent.replied_at is None and sent.auto_replied_at is not None
    assert not Activity.objects.filter(type="email_replied").exists()


def test_inbound_needs_the_shared_secret(inbound, sent):
    raw = REPLY.format(to=sent.to_email, subject="x", in_reply_to=sent.message_id, references="")
    assert _post(raw, secret="wrong").status_code == 403
    assert _post(raw, secret="").status_code == 403
    assert not EmailEvent.objects.exists()


def test_unsubscribe_by_mailto(inbound, marketing):
    _template, contact, _url = marketing
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"]
    mailto = re.search(r"<mailto:([^?]+)\?subject=([^>]+)>", header)
    from urllib.parse import unquote

    raw = (
        f"From: {contact.email}\nTo: {mailto.group(1)}\nSubject: {unquote(mailto.group(2))}\n"
        "Message-ID: <u1@mail.example>\n\nunsubscribe\n"
    )
    assert _post(raw).json()["kind"] == "unsubscribe"
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False
    change = ConsentChange.objects.get(contact=contact)
    assert change.source == "mailto" and change.reason
    assert change.sales_email_id == SalesEmail.objects.get(contact=contact).pk


def test_sales_email_facts_are_announced_on_the_hub_event_stream(inbound, sent):
    """sent → opened (human and bot told apart) → clicked → replied: one event each,
    about the person, for the rep who owns them; an auto-reply is not a reply."""
    from accounts.models import HubEvent

    K = HubEvent.Kind
    Client().get(_urls("o")[0], HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    Client().get(_urls("c")[0], HTTP_USER_AGENT="curl/8.0")
    raw = REPLY.format(
        to=sent.to_email, subject=sent.subject, in_reply_to=sent.message_id, references=""
    )
    _post(raw)
    _post(raw)  # the gateway retrying: no second event
    sales = HubEvent.objects.filter(kind__startswith="sales_email.").order_by("id")
    assert [(e.kind, e.is_bot) for e in sales] == [
        (K.SALES_EMAIL_SENT, False),
        (K.SALES_EMAIL_OPENED, False),
        (K.SALES_EMAIL_CLICKED, True),
        (K.SALES_EMAIL_REPLIED, False),
    ]
    assert {e.contact_id for e in sales} == {sent.contact_id}
    assert all(e.payload["sales_email"] == sent.pk for e in sales)
    assert sales[2].payload["url"] == "https://example.com/guide?x=1"
