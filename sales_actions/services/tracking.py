"""Opens, clicks and replies: events on the outbox row and activities on the contact.

Machine events (security scanners, privacy proxies, link checkers) are kept with a
reason and ``is_bot`` set, so reports and scores can leave them out.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from accounts.models import Activity, ConsentChange
from accounts.services import activity_record
from sales_actions.models import EmailEvent, SalesEmail, TrackedLink
from sales_actions.services.consent import contact_unsubscribe
from sales_actions.services.events import sales_email_events
from sales_actions.signing import token_read

E = EmailEvent.Type

# Security gateways, link checkers and HTTP libraries announce themselves.
BOT_USER_AGENT = re.compile(
    r"bot\b|crawler|spider|scanner|barracuda|mimecast|proofpoint|symantec|messagelabs|"
    r"forcepoint|trend ?micro|sophos|fortinet|ironport|zscaler|safelinks|linkchecker|"
    r"python-requests|python-urllib|aiohttp|curl/|wget|go-http-client|java/|okhttp|"
    r"headless|phantomjs|libwww|httpclient|node-fetch|axios|yahoomailproxy",
    re.I,
)
# Apple Mail Privacy Protection preloads every image through Apple's proxies, which
# send the bare user agent "Mozilla/5.0" from Apple's own 17.0.0.0/8 network.
PRIVACY_PROXY_USER_AGENTS = {"mozilla/5.0"}


def _networks():
    return [ipaddress.ip_network(n, strict=False) for n in settings.SALES_EMAIL_PROXY_NETWORKS]


def bot_reason(*, email: SalesEmail, user_agent: str, ip: str | None, method: str, now) -> str:
    """Why this open/click looks like a machine, or "" for a person."""
    if method.upper() == "HEAD":
        return "head_request"
    agent = (user_agent or "").strip()
    if not agent:
        return "no_user_agent"
    if BOT_USER_AGENT.search(agent):
        return "scanner_user_agent"
    if agent.lower() in PRIVACY_PROXY_USER_AGENTS:
        return "privacy_proxy"
    if ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            address = None
        if address is not None and any(address in net for net in _networks()):
            return "privacy_proxy"
    if email.sent_at and now - email.sent_at < timedelta(seconds=settings.SALES_EMAIL_BOT_SECONDS):
        return "too_soon_after_send"
    return ""


def _refresh_counters(email_id: int) -> None:
    counts = EmailEvent.objects.filter(email_id=email_id).aggregate(
        opens=Count("pk", filter=Q(type=E.OPEN, is_bot=False)),
        bot_opens=Count("pk", filter=Q(type=E.OPEN, is_bot=True)),
        clicks=Count("pk", filter=Q(type=E.CLICK, is_bot=False)),
        bot_clicks=Count("pk", filter=Q(type=E.CLICK, is_bot=True)),
        opened=Min("occurred_at", filter=Q(type=E.OPEN, is_bot=False)),
        clicked=Min("occurred_at", filter=Q(type=E.CLICK, is_bot=False)),
        replied=Min("occurred_at", filter=Q(type=E.REPLY)),
        auto_replied=Min("occurred_at", filter=Q(type=E.AUTO_REPLY)),
    )
    SalesEmail.objects.filter(pk=email_id).update(
        open_count=counts["opens"],
        bot_open_count=counts["bot_opens"],
        click_count=counts["clicks"],
        bot_click_count=counts["bot_clicks"],
        opened_at=counts["opened"],
        clicked_at=counts["clicked"],
        replied_at=counts["replied"],
        auto_replied_at=counts["auto_replied"],
    )


def _metadata(email: SalesEmail, **more) -> dict:
    return {
        "sales_email": email.pk,
        "template": email.template_id,
        "template_name": email.template.name if email.template_id else "",
        "sender": email.sender_id,
        # Marketing or sales: the insights panels tell marketing opens and clicks by it.
        "kind": email.kind,
        **more,
    }


def _load(email_id: int) -> SalesEmail | None:
    return (
        SalesEmail.objects.select_related("contact", "template", "sender")
        .filter(pk=email_id)
        .first()
    )


def email_open_record(
    *, token: str, user_agent: str = "", ip: str | None = None, method: str = "GET"
) -> EmailEvent | None:
    """Record an open from the signed pixel token; None when the token is not ours."""
    parts = token_read("open", token, 1)
    email = _load(parts[0]) if parts else None
    # Not tracked when sent, or the contact has refused tracking since (follow_email).
    if email is None or not email.track or not email.contact.follow_email:
        return None
    now = timezone.now()
    reason = bot_reason(email=email, user_agent=user_agent, ip=ip, method=method, now=now)
    with transaction.atomic():
        activity = activity_record(
            contact=email.contact,
            type=Activity.Type.EMAIL_OPENED,
            occurred_at=now,
            user=email.sender,
            subject=email.subject,
            is_bot=bool(reason),
            metadata=_metadata(email, bot_reason=reason),
        )
        event = EmailEvent.objects.create(
            email=email,
            type=E.OPEN,
            occurred_at=now,
            is_bot=bool(reason),
            bot_reason=reason,
            user_agent=(user_agent or "")[:500],
            ip=ip,
            method=method.upper()[:8],
            activity_id=activity.pk,
        )
        sales_email_events([email], event="open", is_bot=bool(reason))
        _refresh_counters(email.pk)
    return event


def email_click_record(
    *, token: str, user_agent: str = "", ip: str | None = None, method: str = "GET"
) -> str | None:
    """Record a click and return the stored link to redirect to; None for a forged token."""
    parts = token_read("click", token, 2)
    if parts is None:
        return None
    link = TrackedLink.objects.filter(email_id=parts[0], position=parts[1]).first()
    if link is None:
        return None
    email = _load(link.email_id)
    if email is None:
        return None
    if not email.contact.follow_email:
        # The contact refused tracking since it was sent: go, record nothing (an erased
        # person's links are blank: nowhere to go).
        return link.url or None
    now = timezone.now()
    reason = bot_reason(email=email, user_agent=user_agent, ip=ip, method=method, now=now)
    with transaction.atomic():
        activity = activity_record(
            contact=email.contact,
            type=Activity.Type.EMAIL_CLICKED,
            occurred_at=now,
            user=email.sender,
            subject=email.subject,
            url=link.url[:1000],
            is_bot=bool(reason),
            metadata=_metadata(email, link=link.position, bot_reason=reason),
        )
        sales_email_events([email], event="click", is_bot=bool(reason), url=link.url[:1000])
        EmailEvent.objects.create(
            email=email,
            type=E.CLICK,
            link=link,
            occurred_at=now,
            is_bot=bool(reason),
            bot_reason=reason,
            user_agent=(user_agent or "")[:500],
            ip=ip,
            method=method.upper()[:8],
            activity_id=activity.pk,
        )
        _flag_link_sweep(email, now)
        _refresh_counters(email.pk)
    return link.url


def _flag_link_sweep(email: SalesEmail, now) -> None:
    """Every link of a message clicked within a second: a scanner, not a person."""
    total = TrackedLink.objects.filter(email=email).count()
    if total < 2:
        return
    window = now - timedelta(seconds=1)
    recent = EmailEvent.objects.filter(email=email, type=E.CLICK, occurred_at__gte=window)
    if recent.values("link_id").distinct().count() < total:
        return
    events = list(recent.values_list("pk", "activity_id"))
    EmailEvent.objects.filter(pk__in=[pk for pk, _a in events]).update(
        is_bot=True, bot_reason="clicked_every_link"
    )
    # Activity.is_bot is the flag scores read; the activity rows themselves stay.
    Activity.objects.filter(pk__in=[a for _pk, a in events if a]).update(is_bot=True)


# --- Inbound mail ----------------------------------------------------------------------

# Out-of-office / automatic-reply phrases, per language. Chinese (simplified and traditional),
# Polish and Thai are checked in the body too, near its start, where a mail server puts
# its notice (a person's reply that quotes such words further down is still a reply).
_AUTO_PHRASES = (
    r"out of (the )?office|ooo\b|automatic reply|auto[- ]?reply|autoreply|auto:|"
    r"abwesenheit|absence|away from (the )?office|on vacation|on leave|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|"
    # Chinese: automatic reply, out of the office, on leave
    r"自动回复|自動回覆|自動回复|自动答复|不在办公室|不在辦公室|外出|休假中|"
    # Polish: automatic reply, out of the office, absence, holiday
    r"automatyczna odpowied[źz]|odpowied[źz] automatyczna|poza biurem|nieobecno[śs][ćc]|"
    r"jestem na urlopie|"
    # Thai: automatic reply, not in the office, on leave
    r"ตอบกลับอัตโนมัติ|การตอบกลับอัตโนมัติ|ไม่อยู่ที่สำนักงาน|ไม่อยู่ออฟฟิศ|ลาพักร้อน"
)
AUTO_REPLY_SUBJECT = re.compile(rf"^\s*(\[?({_AUTO_PHRASES}))", re.I)
AUTO_REPLY_BODY = re.compile(
    r"this is an automatic reply|i am (currently )?out of (the )?office|"
    r"自动回复|自動回覆|不在办公室|不在辦公室|"
    r"automatyczna odpowied[źz]|poza biurem|"
    r"ตอบกลับอัตโนมัติ|ไม่อยู่ที่สำนักงาน",
    re.I,
)
AUTO_REPLY_BODY_CHARS = 400


def _body_start(message) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
    except (AttributeError, KeyError, LookupError, ValueError):
        return ""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"<[^>]+>", " ", text[: AUTO_REPLY_BODY_CHARS * 8])
    return " ".join(text.split())[:AUTO_REPLY_BODY_CHARS]


_MSGID = re.compile(r"<[^<>\s]+>")
_REPLY_LOCAL = re.compile(r"^reply\+([A-Za-z0-9_.\-]+)$")


def is_auto_reply(message) -> bool:
    """Auto-Submitted (RFC 3834), the X-Autoreply family, Precedence, common subjects (in
    several languages) and an automatic-reply notice at the start of the body."""
    auto = (message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if message.get(header):
            return True
    if (message.get("Precedence") or "").strip().lower() in {"auto_reply", "bulk", "junk"}:
        return True
    if AUTO_REPLY_SUBJECT.match(str(message.get("Subject") or "")):
        return True
    return bool(AUTO_REPLY_BODY.search(_body_start(message)))


def _match(message) -> SalesEmail | None:
    ids = []
    for header in ("In-Reply-To", "References"):
        ids.extend(_MSGID.findall(str(message.get(header) or "")))
    if ids:
        found = {e.message_id: e for e in SalesEmail.objects.filter(message_id__in=ids)}
        for message_id in ids:  # In-Reply-To first, then References in order
            if message_id in found:
                return _load(found[message_id].pk)
    addresses = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        addresses.extend(getaddresses([str(v) for v in message.get_all(header) or []]))
    for _name, address in addresses:
        local = address.rsplit("@", 1)[0]
        match = _REPLY_LOCAL.match(local)
        if match:
            parts = token_read("reply", match.group(1), 1)
            if parts:
                email = _load(parts[0])
                if email is not None:
                    return email
    return None


def _unsubscribe_mail(message) -> dict | None:
    target = settings.SALES_EMAIL_UNSUBSCRIBE_ADDRESS.lower()
    recipients = getaddresses([str(v) for v in message.get_all("To") or []])
    if not any(address.lower() == target for _n, address in recipients):
        return None
    words = str(message.get("Subject") or "").split()
    token = words[-1] if len(words) >= 2 and words[0].lower() == "unsubscribe" else ""
    contact = contact_unsubscribe(token=token, source=ConsentChange.Source.MAILTO)
    return {"matched": contact is not None, "kind": "unsubscribe", "sales_email": None}


def _delivery_report(message) -> dict | None:
    """A delivery status notification (RFC 3464 ``multipart/report``): the action, the
    status code, the diagnostic and the Message-ID of the mail it is about; else None."""
    if message.get_content_type() != "multipart/report":
        return None
    report = {"action": "", "status": "", "diagnostic": "", "message_ids": []}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                for name in ("action", "status"):
                    value = str(block.get(name.title()) or "").strip().lower()
                    if value and not report[name]:
                        report[name] = value.split()[0]
                diagnostic = str(block.get("Diagnostic-Code") or "").strip()
                if diagnostic and not report["diagnostic"]:
                    report["diagnostic"] = " ".join(diagnostic.split())[:300]
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            if kind == "message/rfc822":
                inner = part.get_payload()
                headers = inner[0] if isinstance(inner, list) and inner else None
            else:
                headers = HeaderParser(policy=policy.default).parsestr(part.get_content())
            if headers is not None:
                report["message_ids"] += _MSGID.findall(str(headers.get("Message-ID") or ""))
    report["message_ids"] += [
        found
        for header in ("In-Reply-To", "References")
        for found in _MSGID.findall(str(message.get(header) or ""))
    ]
    return report


def _bounce_record(report: dict) -> dict:
    """A permanent failure (``Action: failed`` or a 5.x.x status) marks the sales email
    failed — a bounce, which ends the person's cadence; a delay (4.x.x) is only noted."""
    email = SalesEmail.objects.filter(message_id__in=report["message_ids"]).first()
    if email is None:
        return {"matched": False, "kind": "bounce", "sales_email": None}
    permanent = report["action"] == "failed" or report["status"].startswith("5")
    if not permanent:
        return {"matched": True, "kind": "delayed", "sales_email": email.pk}
    error = "Bounced: " + " ".join(x for x in (report["status"], report["diagnostic"]) if x)
    SalesEmail.objects.filter(pk=email.pk).exclude(status=SalesEmail.Status.FAILED).update(
        status=SalesEmail.Status.FAILED, error=error[:1000]
    )
    return {"matched": True, "kind": "bounce", "sales_email": email.pk}


def email_inbound_record(*, raw: bytes) -> dict:
    """File an inbound RFC 822 message: a reply, an auto-reply, a bounce (delivery status
    notification) or a mailto unsubscribe."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    unsubscribe = _unsubscribe_mail(message)
    if unsubscribe is not None:
        return unsubscribe
    report = _delivery_report(message)
    if report is not None:
        return _bounce_record(report)
    email = _match(message)
    if email is None:
        return {"matched": False, "kind": None, "sales_email": None}
    inbound_id = str(message.get("Message-ID") or "").strip()[:255]
    kind = E.AUTO_REPLY if is_auto_reply(message) else E.REPLY
    subject = " ".join(str(message.get("Subject") or "").split())[:255]
    with transaction.atomic():
        if (
            inbound_id
            and EmailEvent.objects.filter(email=email, raw_message_id=inbound_id).exists()
        ):
            # The mail gateway retried a delivery we already filed.
            existing = EmailEvent.objects.get(email=email, raw_message_id=inbound_id)
            return {"matched": True, "kind": existing.type, "sales_email": email.pk}
        activity_id = None
        if kind == E.REPLY:
            activity_id = activity_record(
                contact=email.contact,
                type=Activity.Type.EMAIL_REPLIED,
                user=email.sender,
                subject=subject or email.subject,
                metadata=_metadata(email, inbound_message_id=inbound_id),
            ).pk
            sales_email_events([email], event="reply")
        EmailEvent.objects.create(
            email=email,
            type=kind,
            raw_message_id=inbound_id,
            subject=subject,
            activity_id=activity_id,
        )
        _refresh_counters(email.pk)
        if kind == E.REPLY:
            # A reply ends the person's cadence when it says so (an auto-reply does not).
            from sales_actions.cadences.enrolment import enrolments_end_on_reply

            enrolments_end_on_reply(sales_email_id=email.pk)
    return {"matched": True, "kind": str(kind), "sales_email": email.pk}
