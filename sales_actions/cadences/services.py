"""Writes of cadences: the cadence, its settings and its steps. Who is in a cadence is
``sales_actions.cadences.enrolment``; the worker that runs the steps is ``.scheduler``."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import (
    is_signed_in,
    may_manage_cadence,
)
from accounts.models import User
from accounts.services.rollups import rollups_changes_listener
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment
from sales_actions.cadences.schedule import Rules
from sales_actions.models import EmailTemplate
from sales_actions.selectors import workspace_allowed

MAX_STEPS = 30
ES = Enrolment.Status


def cadence_rules(cadence: Cadence) -> Rules:
    """The scheduling rules of a cadence, in its owner's (the sender's) time zone."""
    owner = cadence.owner
    return Rules(
        time_zone=(owner.time_zone if owner else "") or settings.TIME_ZONE,
        skip_weekends=cadence.skip_weekends,
        hours_start=cadence.business_hours_start,
        hours_end=cadence.business_hours_end,
    )


def _touch_schedule(contact_ids) -> None:
    """A person's next cadence email moved: their accounts' "next scheduled" is stale."""
    ids = set(contact_ids)
    if ids:
        transaction.on_commit(
            lambda: rollups_changes_listener(kind="cadence", account_ids=set(), contact_ids=ids)
        )


# --- The cadence and its steps ----------------------------------------------------------


def _check_settings(*, name: str, hours_start: time, hours_end: time, visibility: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A cadence needs a name."), field="name")
    if visibility not in Cadence.Visibility.values:
        raise ApplicationError(_("Choose team or private."), field="visibility")
    if hours_start is None or hours_end is None or not hours_start < hours_end:
        raise ApplicationError(
            _("Business hours must start before they end."), field="business_hours_end"
        )
    return name[:200]


def cadence_create(
    *,
    user: User,
    name: str,
    description: str = "",
    visibility: str = Cadence.Visibility.TEAM,
    skip_weekends: bool = True,
    end_on_reply: bool = True,
    business_hours_start: time = time(9, 0),
    business_hours_end: time = time(17, 0),
) -> Cadence:
    """A new cadence owned by ``user`` (steps are added next)."""
    if not is_signed_in(user):
        raise ForbiddenError(_("Sign in to create a cadence."))
    name = _check_settings(
        name=name, hours_start=business_hours_start, hours_end=business_hours_end,
        visibility=visibility,
    )  # fmt: skip
    return Cadence.objects.create(
        name=name,
        description=description or "",
        owner=user,
        visibility=visibility,
        skip_weekends=skip_weekends,
        end_on_reply=end_on_reply,
        business_hours_start=business_hours_start,
        business_hours_end=business_hours_end,
    )


CADENCE_FIELDS = (
    "name",
    "description",
    "visibility",
    "status",
    "skip_weekends",
    "end_on_reply",
    "business_hours_start",
    "business_hours_end",
)


def cadence_update(*, user: User, cadence: Cadence, **changes) -> Cadence:
    """Change a cadence's settings (its owner or an admin)."""
    if not may_manage_cadence(user, cadence):
        raise ForbiddenError(_("Only the cadence's owner changes it."))
    unknown = set(changes) - set(CADENCE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    for key, value in changes.items():
        setattr(cadence, key, value)
    if cadence.status not in Cadence.Status.values:
        raise ApplicationError(_("Choose active or paused."), field="status")
    cadence.name = _check_settings(
        name=cadence.name, hours_start=cadence.business_hours_start,
        hours_end=cadence.business_hours_end, visibility=cadence.visibility,
    )  # fmt: skip
    cadence.updated_at = timezone.now()
    with transaction.atomic():
        cadence.save()
        if "status" in changes:  # its people's next emails are (un)scheduled with it
            _touch_schedule(
                cadence.enrolments.filter(status=ES.ACTIVE).values_list("contact_id", flat=True)
            )
    return cadence


def cadence_delete(*, user: User, cadence: Cadence) -> None:
    if not may_manage_cadence(user, cadence):
        raise ForbiddenError(_("Only the cadence's owner deletes it."))
    if cadence.enrolments.filter(status__in=Enrolment.OPEN_STATUSES).exists():
        raise ConflictError(
            _("People are still in this cadence: remove them or pause the cadence."),
            field="enrolments",
        )
    cadence.delete()


def _check_step(*, user: User, kind: str, day_offset, send_time, template_id, title: str):
    if kind not in CadenceStep.Kind.values:
        raise ApplicationError(_("Choose a step type."), field="kind")
    try:
        day_offset = int(day_offset)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("Days must be a whole number."), field="day_offset") from exc
    if not 0 <= day_offset <= 365:
        raise ApplicationError(_("Days must be between 0 and 365."), field="day_offset")
    template = None
    if kind == CadenceStep.Kind.AUTO_EMAIL:
        if template_id in (None, ""):
            raise ApplicationError(_("An automatic email needs a template."), field="template")
        template = (
            EmailTemplate.objects.select_related("workspace").filter(pk=template_id).first()
            if str(template_id).isdecimal()
            else None
        )
        if template is None:
            raise ApplicationError(_("That template does not exist."), field="template")
        if template.status != EmailTemplate.Status.APPROVED:
            raise ApplicationError(
                _("Only approved templates can be sent automatically."), field="template"
            )
        if not workspace_allowed(user=user, workspace=template.workspace):
            raise ForbiddenError(_("You cannot use templates of this workspace."), field="template")
    return day_offset, send_time, template, (title or "").strip()[:255]


def cadence_step_add(
    *,
    user: User,
    cadence: Cadence,
    kind: str,
    day_offset=0,
    send_time: time | None = None,
    template_id=None,
    title: str = "",
    instructions: str = "",
) -> CadenceStep:
    """Append a step at the end of the cadence."""
    if not may_manage_cadence(user, cadence):
        raise ForbiddenError(_("Only the cadence's owner changes its steps."))
    day_offset, send_time, template, title = _check_step(
        user=user, kind=kind, day_offset=day_offset, send_time=send_time,
        template_id=template_id, title=title,
    )  # fmt: skip
    with transaction.atomic():
        Cadence.objects.select_for_update().filter(pk=cadence.pk).first()
        count = cadence.steps.count()
        if count >= MAX_STEPS:
            raise ApplicationError(
                _("A cadence has at most %(n)s steps.") % {"n": MAX_STEPS}, field="steps"
            )
        last = cadence.steps.aggregate(m=Max("position"))["m"] or 0
        step = CadenceStep.objects.create(
            cadence=cadence, position=last + 1, kind=kind, day_offset=day_offset,
            send_time=send_time, template=template, title=title,
            instructions=instructions or "",
        )  # fmt: skip
        # People who had finished every step are not brought back; those still waiting
        # on the last task go on to the new step when it is done (see the scheduler).
    return step


def cadence_step_update(*, user: User, step: CadenceStep, **changes) -> CadenceStep:
    """Change a step's kind, timing, template or task text."""
    if not may_manage_cadence(user, step.cadence):
        raise ForbiddenError(_("Only the cadence's owner changes its steps."))
    values = {
        "kind": step.kind,
        "day_offset": step.day_offset,
        "send_time": step.send_time,
        "template_id": step.template_id,
        "title": step.title,
    }
    unknown = set(changes) - {*values, "instructions"}
    if unknown:
        raise ApplicationError(_("Unknown field."), field=sorted(unknown)[0])
    values.update({k: v for k, v in changes.items() if k != "instructions"})
    day_offset, send_time, template, title = _check_step(user=user, **values)
    step.kind, step.day_offset, step.send_time = values["kind"], day_offset, send_time
    step.template, step.title = template, title
    if "instructions" in changes:
        step.instructions = changes["instructions"] or ""
    step.save()
    return step


def _renumber(cadence: Cadence, ordered_ids: list[int]) -> None:
    for position, pk in enumerate(ordered_ids, start=1):
        CadenceStep.objects.filter(pk=pk, cadence=cadence).update(position=position)


def cadence_step_delete(*, user: User, step: CadenceStep) -> None:
    """Delete a step; people due for it go on to the step after it."""
    cadence = step.cadence
    if not may_manage_cadence(user, cadence):
        raise ForbiddenError(_("Only the cadence's owner changes its steps."))
    with transaction.atomic():
        ids = list(cadence.steps.order_by("position", "id").values_list("pk", flat=True))
        index = ids.index(step.pk)
        following = ids[index + 1] if index + 1 < len(ids) else None
        # Their due time stays: the next step runs when this one would have.
        Enrolment.objects.filter(step=step, status__in=Enrolment.OPEN_STATUSES).update(
            step_id=following
        )
        ids.remove(step.pk)
        step.delete()
        _renumber(cadence, ids)


def cadence_steps_reorder(*, user: User, cadence: Cadence, step_ids: list) -> None:
    """Put the steps in this order (every step of the cadence, each once)."""
    if not may_manage_cadence(user, cadence):
        raise ForbiddenError(_("Only the cadence's owner changes its steps."))
    try:
        wanted = [int(pk) for pk in step_ids]
    except (TypeError, ValueError) as exc:
        raise ApplicationError(_("Steps must be a list of ids."), field="steps") from exc
    with transaction.atomic():
        current = set(cadence.steps.values_list("pk", flat=True))
        if len(wanted) != len(set(wanted)) or set(wanted) != current:
            raise ApplicationError(_("List every step of the cadence once."), field="steps")
        _renumber(cadence, wanted)


def cadence_step_move(*, user: User, step: CadenceStep, direction: str) -> None:
    """Move a step one place up or down."""
    ids = list(step.cadence.steps.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(step.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise ApplicationError(_("Move up or down."), field="direction")
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    cadence_steps_reorder(user=user, cadence=step.cadence, step_ids=ids)
