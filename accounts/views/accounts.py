"""Account pages: the list (bulk "mark as target"), detail, create, edit, delete, lookup."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from abm.exceptions import ApplicationError
from abm.pages import form_submit, safe_next_url
from abm.paging import list_page
from abm.permissions import may_create, may_write
from accounts import services
from accounts.filters import AccountFilter
from accounts.forms import AccountForm
from accounts.models import Account, Contact, Industry, Opportunity, RelationshipType, Team
from accounts.selectors import records as selectors
from accounts.selectors.money import totals_of
from accounts.views.common import form_context, owner_choices, render_list


@login_required
@require_GET
def account_list(request):
    context = list_page(
        request,
        queryset=selectors.account_list_queryset(),
        filterset_class=AccountFilter,
        sorts=selectors.ACCOUNT_SORTS,
        related=selectors.ACCOUNT_ROW_RELATED,
        default_sort="name",
    )
    counts = selectors.account_contact_counts([a.pk for a in context["rows"]])
    for account in context["rows"]:
        account.contact_count = counts.get(account.pk, 0)
    context.update(
        industries=Industry.choices,
        relationship_types=RelationshipType.choices,
        owners=owner_choices(),
        teams=Team.objects.all(),
        can_create=may_create(request.user, Account),
    )
    return render_list(request, "accounts/account_list.html", context)


@login_required
@require_POST
def account_bulk_target(request):
    """Mark or unmark the ticked accounts as targets; all or nothing."""
    back = safe_next_url(request, reverse("accounts:account_list"))
    action = request.POST.get("action")
    ids = request.POST.getlist("selected")
    try:
        if action == "mark":
            changed = services.accounts_mark_target(user=request.user, account_ids=ids)
            text = ngettext(
                "%(count)d account marked as target.",
                "%(count)d accounts marked as target.",
                changed,
            )
        elif action == "unmark":
            changed = services.accounts_unmark_target(user=request.user, account_ids=ids)
            text = ngettext(
                "%(count)d account removed from targets.",
                "%(count)d accounts removed from targets.",
                changed,
            )
        else:
            raise ApplicationError(_("Choose 'Mark as target' or 'Remove target'."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    text %= {"count": changed}
    unchanged = len(set(ids)) - changed
    if unchanged:
        text += " " + ngettext("%(count)d already was.", "%(count)d already were.", unchanged) % {
            "count": unchanged
        }
    messages.success(request, text)
    return redirect(back)


@login_required
@require_GET
def account_detail(request, pk: int):
    try:
        account = selectors.account_detail(pk=pk)
    except Account.DoesNotExist as exc:
        raise Http404(_("No such account.")) from exc
    activities = selectors.timeline(account=account)
    deals = selectors.account_opportunities(account=account)
    context = {
        "account": account,
        "contact_links": selectors.account_contacts(account=account),
        "opportunities": deals,
        # One total per currency: amounts in different currencies are never added.
        "open_values": totals_of((d.currency, d.amount) for d in deals if d.is_open),
        "open_deals": sum(1 for d in deals if d.is_open),
        "tasks": selectors.open_tasks(account=account),
        "now": timezone.now(),
        "notes": selectors.notes_for(account=account),
        "activities": activities,
        "can_edit": may_write(request.user, account),
        "can_add_contact": may_create(request.user, Contact),
        "can_add_deal": may_create(request.user, Opportunity),
    }
    return render(request, "accounts/account_detail.html", context)


def _account_form(request, form_kwargs) -> AccountForm:
    return AccountForm(
        request.POST or None,
        user=request.user,
        lookup_url=reverse("accounts:account_lookup"),
        **form_kwargs,
    )


@login_required
def account_create(request):
    if not may_create(request.user, Account):
        messages.error(request, _("Your role cannot create accounts."))
        return redirect("accounts:account_list")
    form = _account_form(request, {})
    done = form_submit(
        request,
        form,
        lambda f: services.account_create(user=request.user, data=f.service_data()),
        message=lambda account: _("Account “%(name)s” created.") % {"name": account.name},
        redirect_to=lambda account: reverse("accounts:account_detail", args=[account.pk]),
    )
    if done:
        return done
    return render(
        request,
        "accounts/account_form.html",
        form_context(form, _("New account"), reverse("accounts:account_list"), _("Accounts")),
    )


@login_required
def account_edit(request, pk: int):
    account = get_object_or_404(Account.objects.select_related("parent", "owner"), pk=pk)
    if not may_write(request.user, account):
        messages.error(request, _("You cannot change this account: you do not own it."))
        return redirect("accounts:account_detail", pk=pk)
    form = _account_form(request, {"instance": account})
    done = form_submit(
        request,
        form,
        lambda f: services.account_update(
            user=request.user, account=account, data=f.service_data()
        ),
        message=lambda account: _("Account “%(name)s” saved.") % {"name": account.name},
        redirect_to=lambda account: reverse("accounts:account_detail", args=[account.pk]),
        on_error=account.refresh_from_db,
    )
    if done:
        return done
    return render(
        request,
        "accounts/account_form.html",
        form_context(
            form,
            _("Edit %(name)s") % {"name": account.name},
            reverse("accounts:account_detail", args=[account.pk]),
            account.name,
            submit=_("Save account"),
        ),
    )


@login_required
def account_delete(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    if request.method == "POST":
        try:
            services.account_delete(user=request.user, account=account)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:account_detail", pk=pk)
        messages.success(
            request,
            _("Account “%(name)s” deleted; its contacts were kept.") % {"name": account.name},
        )
        return redirect("accounts:account_list")
    template = "accounts/_confirm_delete.html" if request.htmx else "accounts/confirm_delete.html"
    return render(
        request,
        template,
        {
            "object": account,
            "kind": "account",
            "action": reverse("accounts:account_delete", args=[pk]),
            "cancel": reverse("accounts:account_detail", args=[pk]),
            "consequence": _(
                "Its deals, leads, notes and tasks are deleted too. "
                "Its contacts are kept, without this company."
            ),
            "allowed": may_write(request.user, account),
        },
    )


@login_required
@require_GET
def account_lookup(request):
    """Datalist <option>s for the account pickers, as the user types."""
    text = request.GET.get("q") or next((v for v in request.GET.values() if v), "")
    accounts = selectors.account_suggestions(text=text)
    return render(request, "accounts/_account_options.html", {"accounts": accounts})
