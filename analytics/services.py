"""Writes of the analytics app: saved analyses, static lists, activating entities."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import is_signed_in, may_manage_marketing, may_write
from accounts.models import Activity, Campaign, User
from accounts.services.activities import BULK_MAX, ActivityInput, activities_record_bulk
from analytics.models import EntityList, EntityListItem, SavedAnalysis
from analytics.selectors import entity_contact_ids
from analytics.validation import settings_json, settings_validate

ACTIVATE_MAX_CONTACTS = 20_000


def _check_write(user: User, analysis: SavedAnalysis) -> None:
    if not may_write(user, analysis):
        raise ForbiddenError(_("Only its owner or an admin can change this analysis."))


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the analysis a name."), field="name")
    if len(name) > 200:
        raise ApplicationError(_("At most 200 characters."), field="name")
    return name


def _visibility(value: str) -> str:
    if value not in SavedAnalysis.Visibility.values:
        raise ApplicationError(_("Choose who sees it: only me or my team."), field="visibility")
    return value


def saved_analysis_create(
    *, user: User, name: str, kind: str, settings: dict, visibility: str = "private"
) -> SavedAnalysis:
    """Save an analysis owned by ``user``; the settings are validated for its kind."""
    if not is_signed_in(user):
        raise ForbiddenError(_("Sign in first."))
    if kind not in SavedAnalysis.Kind.values:
        raise ApplicationError(_("Unknown analysis kind."), field="kind")
    clean = settings_json(settings_validate(kind=kind, data=settings))
    return SavedAnalysis.objects.create(
        name=_name(name), kind=kind, settings=clean, owner=user, visibility=_visibility(visibility)
    )


def saved_analysis_update(*, user: User, analysis: SavedAnalysis, data: dict) -> SavedAnalysis:
    """Rename, reshare or change the settings of an analysis (its kind stays)."""
    _check_write(user, analysis)
    if "name" in data:
        analysis.name = _name(data["name"])
    if "visibility" in data:
        analysis.visibility = _visibility(data["visibility"])
    if "settings" in data:
        analysis.settings = settings_json(
            settings_validate(kind=analysis.kind, data=data["settings"])
        )
    analysis.updated_at = timezone.now()
    analysis.save()
    return analysis


def saved_analysis_duplicate(*, user: User, analysis: SavedAnalysis) -> SavedAnalysis:
    """A private copy owned by ``user`` (anyone who sees an analysis may copy it)."""
    return SavedAnalysis.objects.create(
        name=(_("Copy of %(name)s") % {"name": analysis.name})[:200],
        kind=analysis.kind,
        settings=analysis.settings,
        owner=user,
        visibility=SavedAnalysis.Visibility.PRIVATE,
    )


def saved_analysis_delete(*, user: User, analysis: SavedAnalysis) -> None:
    _check_write(user, analysis)
    analysis.delete()


def entity_list_create(
    *,
    user: User,
    name: str,
    container: str,
    ids: list[int],
    analysis: SavedAnalysis | None = None,
    description: str = "",
) -> EntityList:
    """Freeze drilled entities into a static list (an audience that no longer moves)."""
    if not is_signed_in(user):
        raise ForbiddenError(_("Sign in first."))
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the list a name."), field="name")
    ids = sorted(set(ids))
    if not ids:
        raise ApplicationError(_("There is nobody to save."), field="target")
    with transaction.atomic():
        entity_list = EntityList.objects.create(
            name=name[:200],
            container=container,
            owner=user,
            analysis=analysis,
            description=description[:300],
            size=len(ids),
        )
        EntityListItem.objects.bulk_create(
            [EntityListItem(entity_list=entity_list, entity_id=i) for i in ids], batch_size=2000
        )
    return entity_list


def entity_list_delete(*, user: User, entity_list: EntityList) -> None:
    if not may_write(user, entity_list):
        raise ForbiddenError(_("Only its owner or an admin can delete this list."))
    entity_list.delete()


def entities_add_to_campaign(
    *, user: User, container: str, ids: list[int], campaign: Campaign
) -> int:
    """Activate entities in a campaign: their people get an "Added to campaign" activity.

    Campaign membership in the hub is the activity stream's ``campaign_added`` event, so
    email, paid-media and social programs (and every score and analysis) see the
    audience the same way. Accounts bring their contacts, buying groups their members,
    deals their contact roles. Returns how many people were added.
    """
    if not may_manage_marketing(user):
        raise ForbiddenError(_("Only marketers and admins can add people to a campaign."))
    contact_ids = entity_contact_ids(container=container, ids=ids)
    if not contact_ids:
        raise ApplicationError(_("These entities have no people to add."), field="target")
    if len(contact_ids) > ACTIVATE_MAX_CONTACTS:
        raise ApplicationError(
            _("At most %(n)s people can be added at once; narrow the selection.")
            % {"n": f"{ACTIVATE_MAX_CONTACTS:,}"},
            field="target",
        )
    now = timezone.now()
    items = [
        ActivityInput(
            contact_id=contact_id,
            type=Activity.Type.CAMPAIGN_ADDED,
            occurred_at=now,
            user_id=user.pk,
            campaign_id=campaign.pk,
            subject=_("Added to campaign %(name)s") % {"name": campaign.name},
            metadata={"source": "analytics"},
        )
        for contact_id in contact_ids
    ]
    with transaction.atomic():
        for start in range(0, len(items), BULK_MAX):
            activities_record_bulk(items[start : start + BULK_MAX])
    return len(items)
