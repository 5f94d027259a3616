"""Hosted forms: the builder's pages (``/forms/``) and the public pages (``/f/``).

The public form takes no login and no CSRF cookie: it is meant to sit in an iframe on
another site, where browsers do not send our (SameSite=Lax) cookies. It acts on nobody's
session — a forged cross-site post can do nothing a visitor typing the form could not —
and every submission carries a signed stamp of when the form was shown (minimum fill
time, and proof it came from a page we served), a honeypot field and a per-address rate
limit. The confirmation page of the double opt-in is a normal same-site form with CSRF.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from abm.exceptions import ApplicationError
from abm.pages import htmx_finish
from abm.permissions import may_manage_webforms
from abm.security import client_ip
from accounts.models import Contact, WebForm
from accounts.webforms import selectors, services
from accounts.webforms.catalog import FIELD_CATALOG, field_label
from accounts.webforms.forms import (
    HONEYPOT,
    PREFILL,
    STAMP,
    PrefillLinkForm,
    PublicForm,
    WebFormBuilderForm,
)

SUBMISSIONS_SHOWN = 50


def _check(request) -> None:
    if not may_manage_webforms(request.user):
        raise PermissionDenied(_("Only marketers and admins can build forms."))


def _public_url(request, webform: WebForm) -> str:
    return request.build_absolute_uri(reverse("webforms_public:form", args=[webform.public_key]))


# --- The builder ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def webform_list(request):
    _check(request)
    forms_ = list(selectors.webform_list())
    return render(request, "accounts/webforms/list.html", {"webforms": forms_})


def _builder(request, *, webform: WebForm | None):
    form = WebFormBuilderForm(request.POST or None, webform=webform)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if webform is None:
                saved = services.webform_create(user=request.user, data=form.service_data())
                message = _("Form “%(name)s” created.")
            else:
                saved = services.webform_update(
                    user=request.user, webform=webform, data=form.service_data()
                )
                message = _("Form “%(name)s” saved.")
        except ApplicationError as exc:
            form.add_application_error(exc)
        else:
            return htmx_finish(
                request,
                message=message % {"name": saved.name},
                redirect_to=reverse("webforms:detail", args=[saved.pk]),
            )
    if form.errors:
        status = getattr(form, "error_status", 400)
    return render(
        request,
        "accounts/webforms/builder.html",
        {"form": form, "webform": webform},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def webform_create(request):
    _check(request)
    return _builder(request, webform=None)


@login_required
@require_http_methods(["GET", "POST"])
def webform_edit(request, pk: int):
    _check(request)
    return _builder(request, webform=get_object_or_404(WebForm, pk=pk))


def _detail_context(request, webform: WebForm, **extra) -> dict:
    public_url = _public_url(request, webform)
    return {
        "webform": webform,
        "public_url": public_url,
        "embed_snippet": (
            f'<iframe src="{escape(public_url)}" title="{escape(webform.name)}" width="100%" '
            'height="640" '
            'style="border:0" loading="lazy"></iframe>'
        ),
        "field_rows": [
            {
                "label": field_label(spec),
                "target": FIELD_CATALOG[spec["key"]].target,
                "required": spec.get("required"),
            }
            for spec in webform.fields
            if spec["key"] in FIELD_CATALOG
        ],
        "submissions": list(selectors.webform_submissions(webform)[:SUBMISSIONS_SHOWN]),
        "submission_total": webform.submissions.count(),
        "actor": services.webform_actor(webform),
        "prefill_form": extra.pop("prefill_form", None) or PrefillLinkForm(),
        **extra,
    }


@login_required
@require_http_methods(["GET"])
def webform_detail(request, pk: int):
    _check(request)
    webform = get_object_or_404(WebForm.objects.select_related("campaign", "lead_product"), pk=pk)
    return render(request, "accounts/webforms/detail.html", _detail_context(request, webform))


@login_required
@require_POST
def webform_prefill_link(request, pk: int):
    """Make the signed prefill link of one contact (shown, not stored)."""
    _check(request)
    webform = get_object_or_404(WebForm, pk=pk)
    form = PrefillLinkForm(request.POST)
    link = ""
    if form.is_valid():
        contact = Contact.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if contact is None:
            form.add_error("email", _("No contact has this email."))
        else:
            link = services.prefill_url(webform, contact, request)
    context = _detail_context(request, webform, prefill_form=form, prefill_link=link)
    return render(
        request, "accounts/webforms/detail.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET"])
def webform_preview(request, pk: int):
    """The public form as visitors see it, inside the hub (sending is off here)."""
    _check(request)
    webform = get_object_or_404(WebForm, pk=pk)
    form = PublicForm(webform=webform)
    return render(
        request,
        "accounts/webforms/preview.html",
        {"webform": webform, "form": form, "public_url": _public_url(request, webform)},
    )


@login_required
@require_POST
def webform_delete(request, pk: int):
    _check(request)
    webform = get_object_or_404(WebForm, pk=pk)
    name = webform.name
    services.webform_delete(user=request.user, webform=webform)
    return htmx_finish(
        request,
        message=_("Form “%(name)s” deleted.") % {"name": name},
        redirect_to=reverse("webforms:list"),
    )


# --- The public pages ----------------------------------------------------------------------


def _frameable(response, webform: WebForm):
    """Let the sites the builder listed (else any site) show this page in an iframe."""
    origins = [o for o in webform.embed_origins.splitlines() if o.strip()]
    response._csp_replace = {"frame-ancestors": origins or ["*"]}
    return response


def _public_render(request, webform: WebForm, template: str, context: dict, status: int = 200):
    context = {"webform": webform, **context}
    return _frameable(render(request, template, context, status=status), webform)


def _thank_you(request, webform: WebForm):
    return _public_render(request, webform, "accounts/webforms/public_thanks.html", {})


@csrf_exempt  # see the module docstring: no cookie in an iframe; a signed stamp instead
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def public_form(request, key: str):
    webform = WebForm.objects.filter(public_key=key).first()
    if webform is None:
        raise Http404(_("No such form."))
    if not webform.is_active:
        return _public_render(
            request, webform, "accounts/webforms/public_closed.html", {}, status=404
        )
    if request.method == "GET":
        token = request.GET.get(PREFILL, "")
        contact = services.prefill_contact(token)
        initial = services.prefill_initial(webform, contact)
        initial[STAMP] = services.stamp_make(webform)
        # A contact who does not allow prefill gets a blank form and no link to them.
        initial[PREFILL] = token if initial.get("email") else ""
        form = PublicForm(webform=webform, initial=initial)
        return _public_render(request, webform, "accounts/webforms/public.html", {"form": form})

    form = PublicForm(request.POST, webform=webform)
    if request.POST.get(HONEYPOT):
        services.spam_count(webform, "honeypot")
        return _thank_you(request, webform)
    stamp = services.stamp_check(webform, request.POST.get(STAMP))
    if stamp == "too_fast":
        services.spam_count(webform, "too_fast")
        return _thank_you(request, webform)
    if services.rate_limited(client_ip(request)):
        services.spam_count(webform, "rate_limited")
        return _thank_you(request, webform)
    if stamp == "expired":
        form = PublicForm(
            webform=webform,
            initial={
                **{k: v for k, v in request.POST.items() if k != STAMP},
                STAMP: services.stamp_make(webform),
            },
        )
        notice = _("This page was open a long time: check your details and send again.")
        return _public_render(
            request, webform, "accounts/webforms/public.html", {"form": form, "notice": notice}
        )
    if form.is_valid():
        contact = services.prefill_contact(form.cleaned_data.get(PREFILL))
        try:
            services.webform_submit(
                webform=webform,
                values=form.values(),
                ip=client_ip(request),
                prefill_contact_id=contact.pk if contact else None,
            )
        except ApplicationError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                form.add_error(None, exc.message)
        else:
            return _thank_you(request, webform)
    # Errors: the form again, with a fresh stamp (its fill time starts over).
    form.data = form.data.copy()
    form.data[STAMP] = services.stamp_make(webform)
    return _public_render(
        request, webform, "accounts/webforms/public.html", {"form": form}, status=400
    )


@require_http_methods(["GET", "POST"])
def public_opt_in(request, token: str):
    """The double opt-in link: GET asks (mail scanners follow links), POST confirms."""
    submission = services.opt_in_submission(token)
    if submission is None:
        raise Http404(_("This confirmation link is not valid or has expired."))
    webform = submission.form
    confirmed = submission.opt_in_status == submission.OptIn.CONFIRMED
    if request.method == "POST" and not confirmed:
        try:
            services.webform_opt_in_confirm(submission=submission)
        except ApplicationError as exc:
            return render(
                request,
                "accounts/webforms/public_opt_in.html",
                {"webform": webform, "error": exc.message},
                status=400,
            )
        confirmed = True
    return render(
        request,
        "accounts/webforms/public_opt_in.html",
        {"webform": webform, "confirmed": confirmed, "pending": not confirmed},
    )
