"""AI summaries: a summarizer interface with a built-in offline backend and an
OpenAI-compatible chat-completions backend.

Every backend turns the same ``facts`` (a JSON-able dict built from the records by
``buying_groups.services.summaries``) into a short narrative. The built-in one writes
only sentences that restate a fact; the remote one is told to do the same, and when it
fails the built-in text is used and the result says so.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryResult:
    text: str
    backend: str
    note: str = ""


class Summarizer(Protocol):
    name: str

    def summarize(self, facts: dict) -> SummaryResult: ...


def _people(items: list[dict]) -> str:
    parts = [f"{p['name']} ({p['role']}, {p['score']})" for p in items]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _counts(counts: dict[str, int]) -> str:
    # "web visit (15)" reads right for every label, where "15 email opened" would not.
    parts = [f"{label} ({n})" for label, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n]
    return ", ".join(parts)


def _amount(value) -> str:
    """A money figure as ``12,345``; the facts keep it a number (never a formatted string)."""
    try:
        return f"{round(float(value or 0)):,}"
    except (TypeError, ValueError):
        return str(value)


def _money(totals) -> str:
    """One total per currency (``USD 12,345 and EUR 900``), never added across currencies."""
    parts = [f"{t['currency']} {_amount(t['amount'])}" for t in totals or []]
    if len(parts) <= 1:
        return "".join(parts) or "0"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


class BuiltinSummarizer:
    """Offline: a few sentences, each one restating a fact from the records."""

    name = "builtin"

    def summarize(self, facts: dict) -> SummaryResult:
        kind = facts.get("kind")
        if kind == "group":
            text = self._group(facts)
        elif kind == "contact":
            text = self._contact(facts)
        else:
            text = self._account(facts)
        return SummaryResult(text=text, backend=self.name)

    def _group(self, f: dict) -> str:
        window = f["window_days"]
        sentences = [
            f"{f['name']} is a buying group at {f['account']} for {f['product']}, in the "
            f"{f['stage']} stage, with {f['member_count']} member"
            f"{'' if f['member_count'] == 1 else 's'}.",
        ]
        if f["activity_counts"]:
            sentences.append(
                f"In the last {window} days its members recorded {_counts(f['activity_counts'])}."
            )
        else:
            sentences.append(f"No member engaged in the last {window} days.")
        if f["top_members"]:
            sentences.append(f"Most engaged: {_people(f['top_members'])}.")
        if f["key_moment"]:
            km = f["key_moment"]
            sentences.append(f"Latest key moment: {km['person']} — {km['what']} on {km['date']}.")
        sentences.append(
            f"Engagement is {f['engagement_score']}/100 and completeness "
            f"{f['completeness_score']}/100."
        )
        if f["empty_required_roles"]:
            sentences.append(f"Missing required roles: {', '.join(f['empty_required_roles'])}.")
        elif f["empty_roles"]:
            sentences.append(f"Roles still empty: {', '.join(f['empty_roles'])}.")
        else:
            sentences.append("Every role of the template is filled.")
        return " ".join(sentences)

    def _contact(self, f: dict) -> str:
        title = f", {f['title']}" if f["title"] else ""
        sentences = [
            f"{f['name']}{title} at {f['account'] or 'no account'}"
            f" has a person engagement score of {f['engagement_score']}/100."
        ]
        if f["activity_counts"]:
            sentences.append(
                f"In the last {f['window_days']} days: {_counts(f['activity_counts'])}."
            )
        else:
            sentences.append(f"No engagement in the last {f['window_days']} days.")
        if f["key_moment"]:
            km = f["key_moment"]
            sentences.append(f"Last key moment: {km['what']} on {km['date']}.")
        if f["groups"]:
            sentences.append(
                f"Member of {len(f['groups'])} buying group(s): {', '.join(f['groups'])}."
            )
        return " ".join(sentences)

    def _account(self, f: dict) -> str:
        sentences = [
            f"{f['name']} ({f['industry'] or 'industry unknown'}) has {f['people']} "
            f"contact{'' if f['people'] == 1 else 's'} and {f['open_opportunities']} open "
            f"opportunit{'y' if f['open_opportunities'] == 1 else 'ies'}"
            + (f" worth {_money(f.get('open_values'))}." if f["open_opportunities"] else ".")
        ]
        if f["activity_counts"]:
            sentences.append(
                f"In the last {f['window_days']} days: {_counts(f['activity_counts'])}."
            )
        else:
            sentences.append(f"No recorded activity in the last {f['window_days']} days.")
        if f["groups"]:
            sentences.append(f"Buying groups: {', '.join(f['groups'])}.")
        return " ".join(sentences)


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: it could carry the request (and its key) somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(
            req.full_url, code, f"redirect to {newurl} refused", headers, fp
        )


_opener = urllib.request.build_opener(_NoRedirects)


class InsecureEndpointError(ValueError):
    """The key would travel in clear text: only https (or a local http server) gets it."""


class ChatCompletionsSummarizer:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (``LLM_API_URL``).

    Follows no redirects, and sends the key only over https (plain http only to this
    machine, e.g. a local model server).
    """

    name = "llm"

    def __init__(self, *, url: str, key: str = "", model: str = "", timeout: float = 20.0):
        url = url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.key = key
        self.model = model
        self.timeout = timeout

    def summarize(self, facts: dict) -> SummaryResult:
        body = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {
                    "role": "system",
                    "content": "You write 2-4 sentence summaries for B2B sales and marketing "
                    "teams. Use only the JSON facts given; every sentence must be traceable "
                    "to a fact (who engaged, what changed, what is missing). No speculation.",
                },
                {"role": "user", "content": json.dumps(facts, sort_keys=True, default=str)},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.key:
            self._check_key_transport()
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with _opener.open(request, timeout=self.timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
        text = str(payload["choices"][0]["message"]["content"]).strip()
        if not text:
            raise ValueError("the model returned an empty answer")
        return SummaryResult(text=text[:4000], backend=f"llm:{self.model}"[:40])

    def _check_key_transport(self) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS:
            return
        raise InsecureEndpointError(
            f"LLM_API_URL must be https:// to send LLM_API_KEY (got {parts.scheme}://"
            f"{parts.hostname}); plain http is allowed only for localhost"
        )


def summarizer_get() -> Summarizer:
    """The configured backend: the remote one when LLM_API_URL is set, else built-in."""
    if settings.LLM_API_URL:
        return ChatCompletionsSummarizer(
            url=settings.LLM_API_URL,
            key=settings.LLM_API_KEY,
            model=settings.LLM_MODEL,
            timeout=settings.LLM_TIMEOUT,
        )
    return BuiltinSummarizer()


def summarize(facts: dict) -> SummaryResult:
    """Summarize with the configured backend, falling back to the built-in one (and saying so)."""
    backend = summarizer_get()
    if isinstance(backend, BuiltinSummarizer):
        return backend.summarize(facts)
    try:
        return backend.summarize(facts)
    except (
        urllib.error.URLError,
        TimeoutError,
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
    ) as exc:
        logger.warning("AI summary service failed, using the built-in summary: %s", exc)
        fallback = BuiltinSummarizer().summarize(facts)
        reason = getattr(exc, "reason", None) or exc
        return SummaryResult(
            text=fallback.text,
            backend="builtin-fallback",
            note=f"The AI service failed ({str(reason)[:150]}); this is the built-in summary.",
        )
