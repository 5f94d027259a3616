"""Who may do what: one vocabulary that services, pages, the API and templates all ask.

- Admins (the admin role, or a superuser) may do everything.
- Marketers manage marketing: targeting rules, CSV imports, role templates,
  buying-group generation, workspaces and email approval; they write accounts,
  contacts, campaigns and products, and whatever they own.
- Sales reps read everything but write only records they own (and create records
  owned by themselves).

Every role test in the code base is a predicate here, named for what it allows. Services
raise ``ForbiddenError`` when one says no; pages answer the styled 403; the API uses
``RolePermission`` or the small permission classes at the bottom; templates read the
user-level predicates through ``perms_hub`` (see ``abm.context_processors``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

# The values of ``accounts.models.User.Role`` (kept as strings so this module, which the
# base app imports, needs no model import).
ADMIN, MARKETER, SALES_REP = "admin", "marketer", "sales_rep"

MARKETER_WRITABLE = {"account", "contact", "campaign", "product"}


def _model_name(obj_or_model) -> str:
    if isinstance(obj_or_model, str):
        return obj_or_model
    return obj_or_model._meta.model_name


def _owner_id(obj):
    for attr in ("owner_id", "user_id", "author_id", "created_by_id"):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    return None


# --- Who the user is ------------------------------------------------------------------


def is_signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def is_admin(user) -> bool:
    """The admin role, or a superuser whatever their role."""
    return is_signed_in(user) and (user.is_superuser or user.role == ADMIN)


def is_marketer(user) -> bool:
    return is_signed_in(user) and user.role == MARKETER and not is_admin(user)


def is_sales_rep(user) -> bool:
    """A sales rep (a superuser is never treated as one)."""
    return is_signed_in(user) and user.role == SALES_REP and not user.is_superuser


# --- What the user may do, whatever the record ----------------------------------------


def may_manage_marketing(user) -> bool:
    """Admins and marketers: the marketing set-up that shapes everybody's work."""
    return is_admin(user) or is_marketer(user)


def may_manage_targeting_rules(user) -> bool:
    return may_manage_marketing(user)


def may_import(user) -> bool:
    """Upload CSV files of accounts and contacts."""
    return may_manage_marketing(user)


def may_manage_role_templates(user) -> bool:
    """Create, edit and delete buying-group role templates (everybody reads them)."""
    return may_manage_marketing(user)


def may_generate_buying_groups(user) -> bool:
    """Start a generation job that creates buying groups for many accounts."""
    return may_manage_marketing(user)


def may_approve_emails(user) -> bool:
    """Approve (and archive any) email template; see the approval queue."""
    return may_manage_marketing(user)


def may_manage_workspaces(user) -> bool:
    return may_manage_marketing(user)


def may_limit_workspaces(user) -> bool:
    """Limit a user to some workspaces."""
    return is_admin(user)


def may_see_every_workspace(user) -> bool:
    return is_admin(user)


def may_view_outbox(user) -> bool:
    """The outbox of every sales email, its raw messages and reconciling unknown rows."""
    return is_admin(user)


def may_delete_activities(user) -> bool:
    """The activity stream is append-only for everybody else."""
    return is_admin(user)


def may_record_activity_as_others(user) -> bool:
    """Record an activity that names another user as the one who did it."""
    return is_admin(user)


def may_choose_owner(user) -> bool:
    """Make somebody else the owner of a record or a task (sales reps own what they make)."""
    return is_signed_in(user) and not is_sales_rep(user)


# --- What the user may do with a record -----------------------------------------------


def may_create(user, model) -> bool:
    """May ``user`` create a record of this model (owned by themselves)?"""
    if not is_signed_in(user):
        return False
    if is_admin(user):
        return True
    name = _model_name(model)
    if name in {"campaign", "product"}:
        return is_marketer(user)
    return name not in {"team", "user"}


def may_write(user, obj) -> bool:
    """May ``user`` change or delete this existing record?"""
    if not is_signed_in(user):
        return False
    if is_admin(user):
        return True
    name = _model_name(obj)
    if is_marketer(user) and name in MARKETER_WRITABLE:
        return True
    if name in {"team", "user", "campaign", "product"}:
        return False
    owner_id = _owner_id(obj)
    return owner_id is not None and owner_id == user.id


def may_work_lead(user, lead) -> bool:
    """Move a lead through its lifecycle (accept, convert, return to marketing,
    disqualify): marketing works every lead; anybody else the leads they may write (a
    sales rep: their own)."""
    return may_manage_marketing(user) or may_write(user, lead)


def may_manage_disqualify_reasons(user) -> bool:
    """Edit the list of reasons a lead can be disqualified for."""
    return is_admin(user)


def may_manage_events(user) -> bool:
    """Create, edit and delete marketing events and import their registration lists
    (everybody signed in reads them)."""
    return may_manage_marketing(user)


def may_register_for_event(user, contact) -> bool:
    """Register, cancel or check in a person: marketing for anybody, a rep for the
    people they may write (their own)."""
    return may_manage_events(user) or may_write(user, contact)


def may_manage_account_groups(user, account) -> bool:
    """Create and change the buying groups of this account: marketing, or its owner."""
    if not is_signed_in(user):
        return False
    if may_manage_marketing(user):
        return True
    return account.owner_id is not None and account.owner_id == user.id


def may_manage_group(user, group) -> bool:
    return may_manage_account_groups(user, group.account)


def may_read_record_insights(user, owner) -> bool:
    """The insights of a record (its people's engagement week by week, their cadences and
    tasks, their marketing KPIs), given the record's owner (a user or None): admins and
    marketers read every record's; a sales rep reads those of records they own, their team
    owns, or nobody owns. Elsewhere the API answers 404 and the panel says whose they are."""
    if not is_signed_in(user):
        return False
    if may_manage_marketing(user) or owner is None or owner.pk == user.pk:
        return True
    return user.team_id is not None and owner.team_id == user.team_id


def may_edit_email_template(user, template) -> bool:
    """Approvers edit any template; everybody else only their own."""
    return may_approve_emails(user) or (is_signed_in(user) and template.owner_id == user.pk)


def may_archive_email_template(user, template) -> bool:
    """Approvers archive any template; an author archives their own until it is approved."""
    if may_approve_emails(user):
        return True
    return is_signed_in(user) and template.owner_id == user.pk and template.status != "approved"


def may_see_all_cadences(user) -> bool:
    """The cadences page's "all" scope: admins and marketers see every cadence."""
    return may_manage_marketing(user)


def may_view_cadence(user, cadence) -> bool:
    """Its owner, the owner's team when it is shared, and whoever sees all cadences."""
    if not is_signed_in(user):
        return False
    if may_see_all_cadences(user) or cadence.owner_id == user.pk:
        return True
    owner = cadence.owner
    return (
        cadence.visibility == "team"
        and owner is not None
        and user.team_id is not None
        and owner.team_id == user.team_id
    )


def may_manage_cadence(user, cadence) -> bool:
    """Change a cadence's settings and steps: its owner, or an admin."""
    return is_admin(user) or (is_signed_in(user) and cadence.owner_id == user.pk)


def may_enrol_in_cadence(user, cadence) -> bool:
    """Add, remove, pause and resume people: whoever may use (see) the cadence."""
    return may_view_cadence(user, cadence)


def may_reassign_task(user, task, owner) -> bool:
    """Give ``task`` to ``owner``: whoever may change the task, and only to somebody else
    when their role may choose owners (a sales rep keeps their own tasks)."""
    if not may_write(user, task):
        return False
    return owner.pk == user.pk or may_choose_owner(user)


def may_see_all_tasks(user) -> bool:
    """The tasks page's "all" scope (everybody's tasks); reps see theirs and their team's."""
    return may_manage_marketing(user)


def may_manage_webforms(user) -> bool:
    """Build, change and deactivate hosted marketing forms and read their submissions."""
    return may_manage_marketing(user)


def may_see_all_best_bets(user) -> bool:
    """The best-bets page's "all" scope (everybody's people); reps see theirs and their team's."""
    return may_manage_marketing(user)


def may_manage_call_outcomes(user) -> bool:
    """Edit the list of call outcomes reps choose from when they log a call."""
    return is_admin(user)


def may_manage_webhooks(user) -> bool:
    """Create, change and delete webhook subscriptions, read their delivery logs, replay
    and ping: admins (integrators sign in as admins or use an admin's API token)."""
    return is_admin(user)


def may_manage_subscription_lists(user) -> bool:
    """Create, rename, describe and delete subscription lists (memberships follow
    ``may_write`` on the contact, through the consent service)."""
    return may_manage_marketing(user)


def may_handle_personal_data(user) -> bool:
    """GDPR: export everything about a person, and erase a person (irreversible): admins."""
    return is_admin(user)


# Predicates about the user alone: templates read them as ``perms_hub.<name>``.
USER_PREDICATES = {
    fn.__name__: fn
    for fn in (
        is_admin,
        is_marketer,
        is_sales_rep,
        may_manage_marketing,
        may_manage_targeting_rules,
        may_import,
        may_manage_role_templates,
        may_generate_buying_groups,
        may_approve_emails,
        may_manage_workspaces,
        may_limit_workspaces,
        may_see_every_workspace,
        may_view_outbox,
        may_delete_activities,
        may_record_activity_as_others,
        may_choose_owner,
        may_manage_call_outcomes,
        may_manage_disqualify_reasons,
        may_manage_webforms,
        may_see_all_tasks,
        may_see_all_best_bets,
        may_see_all_cadences,
        may_manage_webhooks,
        may_manage_subscription_lists,
        may_handle_personal_data,
    )
}


class UserPermissions:
    """``perms_hub`` in templates: ``{% if perms_hub.may_import %}``; each answer cached."""

    def __init__(self, user):
        self._user = user
        self._cache: dict[str, bool] = {}

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            predicate = USER_PREDICATES[name]
        except KeyError:
            raise AttributeError(name) from None
        if name not in self._cache:
            self._cache[name] = predicate(self._user)
        return self._cache[name]

    def __getitem__(self, name: str) -> bool:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


# --- The API's doors onto the same rules ----------------------------------------------


class RolePermission(permissions.BasePermission):
    """Reads for any signed-in user, writes by ``may_create`` / ``may_write``."""

    message = _("Your role does not allow this change.")

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "create":
            model = view.get_queryset().model
            return may_create(request.user, model)
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return may_write(request.user, obj)


def predicate_permission(predicate, message, *, name: str) -> type[permissions.BasePermission]:
    """A DRF permission class that admits a signed-in user for whom ``predicate`` holds."""

    def has_permission(self, request, view):
        return is_signed_in(request.user) and predicate(request.user)

    return type(
        name, (permissions.BasePermission,), {"message": message, "has_permission": has_permission}
    )


MayManageTargetingRules = predicate_permission(
    may_manage_targeting_rules,
    _("Only marketers and admins can manage targeting rules."),
    name="MayManageTargetingRules",
)


MayManageWebhooks = predicate_permission(
    may_manage_webhooks,
    _("Only admins can manage webhooks."),
    name="MayManageWebhooks",
)


MayManageSubscriptionLists = predicate_permission(
    may_manage_subscription_lists,
    _("Only marketers and admins can manage subscription lists."),
    name="MayManageSubscriptionLists",
)


MayHandlePersonalData = predicate_permission(
    may_handle_personal_data,
    _("Only admins can export or erase a person's data."),
    name="MayHandlePersonalData",
)
