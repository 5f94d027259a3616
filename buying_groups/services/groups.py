"""Buying groups and their members: every write, with its role check and transaction.

Who may manage a group (create, edit, delete, change members): admins and marketers any
group; sales reps the groups of accounts they own. Everyone signed in may read.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import may_manage_account_groups, may_manage_group
from accounts.models import Account, Contact, ContactAccount, HubEvent, Product, User
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk
from buying_groups.models import (
    DEFAULT_STAGES,
    BuyingGroup,
    Member,
    RoleTemplate,
    Stage,
    TemplateRole,
)
from buying_groups.services.scores import groups_recompute


def _check_group(user: User, group: BuyingGroup) -> None:
    if not may_manage_group(user, group):
        raise ForbiddenError(
            "Only admins, marketers and the account's owner can change this buying group."
        )


def bulk_max() -> int:
    return settings.BUYING_GROUP_BULK_MAX


def _check_bulk(count: int, field: str) -> None:
    if count == 0:
        raise ApplicationError("Select at least one member.", field=field)
    if count > bulk_max():
        raise ApplicationError(
            f"At most {bulk_max()} members can be changed at once; {count} were selected.",
            field=field,
            code="too_many",
        )


def stages_ensure_defaults() -> None:
    """Recreate the default stages when none exist (a flushed or hand-emptied table)."""
    if Stage.objects.exists():
        return
    for position, (key, label) in enumerate(DEFAULT_STAGES):
        Stage.objects.get_or_create(key=key, defaults={"label": label, "position": position})


def default_stage() -> Stage:
    stages_ensure_defaults()
    return Stage.objects.order_by("position", "id").first()


def _resolve(model, value, field: str, label: str):
    if isinstance(value, model):
        return value
    if value in (None, ""):
        raise ApplicationError(f"Choose a {label}.", field=field)
    try:
        return model.objects.get(pk=int(value))
    except (TypeError, ValueError, model.DoesNotExist):
        raise ApplicationError(f"No such {label}.", field=field) from None


def _resolve_stage(value) -> Stage:
    if isinstance(value, Stage):
        return value
    stage = Stage.objects.filter(key=str(value)).first()
    if stage is None and str(value).isdecimal():
        stage = Stage.objects.filter(pk=int(value)).first()
    if stage is None:
        keys = ", ".join(Stage.objects.values_list("key", flat=True))
        raise ApplicationError(f"Unknown stage; use one of: {keys}.", field="stage")
    return stage


def _touch(group: BuyingGroup) -> None:
    group.updated_at = timezone.now()
    BuyingGroup.objects.filter(pk=group.pk).update(updated_at=group.updated_at)


def _refresh(group: BuyingGroup) -> None:
    """Completeness, member count and engagement follow every membership change at once."""
    groups_recompute(ids=[group.pk])
    fresh = BuyingGroup.objects.values(
        "member_count", "completeness_score", "engagement_score", "scores_computed_at"
    ).get(pk=group.pk)
    for key, value in fresh.items():
        setattr(group, key, value)


def buying_group_create(*, user: User, data: dict) -> BuyingGroup:
    """Create a group for an account and a solution interest (one per pair)."""
    account = _resolve(Account, data.get("account"), "account", "account")
    if not may_manage_account_groups(user, account):
        raise ForbiddenError("Sales reps can create buying groups only on accounts they own.")
    product = _resolve(Product, data.get("solution_interest"), "solution_interest", "product")
    template = _resolve(RoleTemplate, data.get("role_template"), "role_template", "role template")
    stage = _resolve_stage(data["stage"]) if data.get("stage") else default_stage()
    name = str(data.get("name") or "").strip() or f"{account.name} — {product.name}"
    if len(name) > 255:
        raise ApplicationError("Name is at most 255 characters.", field="name")
    if BuyingGroup.objects.filter(account=account, solution_interest=product).exists():
        raise ConflictError(
            f"{account.name} already has a buying group for {product.name}.",
            field="solution_interest",
        )
    try:
        with transaction.atomic():
            group = BuyingGroup.objects.create(
                account=account,
                name=name,
                solution_interest=product,
                role_template=template,
                stage=stage,
                created_by=user,
            )
            _refresh(group)
    except IntegrityError:
        raise ConflictError(
            f"{account.name} already has a buying group for {product.name}.",
            field="solution_interest",
        ) from None
    return group


def buying_group_update(*, user: User, group: BuyingGroup, data: dict) -> BuyingGroup:
    """Rename a group, move it to another stage or (if members allow) another template."""
    _check_group(user, group)
    if "account" in data and data["account"] not in (None, "", group.account_id, group.account):
        raise ApplicationError("A group cannot move to another account.", field="account")
    with transaction.atomic():
        if "name" in data:
            name = str(data.get("name") or "").strip()
            if not name:
                raise ApplicationError("A group needs a name.", field="name")
            group.name = name[:255]
        if data.get("stage"):
            group.stage = _resolve_stage(data["stage"])
        if data.get("solution_interest"):
            product = _resolve(Product, data["solution_interest"], "solution_interest", "product")
            clash = BuyingGroup.objects.filter(
                account_id=group.account_id, solution_interest=product
            ).exclude(pk=group.pk)
            if clash.exists():
                raise ConflictError(
                    "This account already has a buying group for that product.",
                    field="solution_interest",
                )
            group.solution_interest = product
        if data.get("role_template"):
            template = _resolve(
                RoleTemplate, data["role_template"], "role_template", "role template"
            )
            if template.pk != group.role_template_id and group.members.exists():
                raise ConflictError(
                    "Members hold roles of the current template; remove them before "
                    "switching templates.",
                    field="role_template",
                )
            group.role_template = template
        group.updated_at = timezone.now()
        group.save()
        _refresh(group)
    return group


def buying_group_delete(*, user: User, group: BuyingGroup) -> None:
    """Delete a group and its memberships."""
    _check_group(user, group)
    group.delete()


def account_contact_ids(account_id: int, contact_ids: Sequence[int]) -> set[int]:
    """Which of ``contact_ids`` are contacts of the account (primary or associated)."""
    ids = list(contact_ids)
    primary = Contact.objects.filter(pk__in=ids, account_id=account_id).values_list("pk", flat=True)
    linked = ContactAccount.objects.filter(contact_id__in=ids, account_id=account_id).values_list(
        "contact_id", flat=True
    )
    return set(primary) | set(linked)


def account_contacts(account_id: int):
    """Every contact of the account, primary or associated."""
    return Contact.objects.filter(
        Q(account_id=account_id) | Q(account_links__account_id=account_id)
    ).distinct()


def _parse_pairs(items, field: str) -> list[tuple[int, int]]:
    if not isinstance(items, list | tuple):
        raise ApplicationError("Give a list of {contact, role} pairs.", field=field)
    _check_bulk(len(items), field)
    pairs = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApplicationError(f"Item {index + 1} must be an object.", field=field)
        try:
            contact_id = int(item.get("contact"))
        except (TypeError, ValueError):
            raise ApplicationError(
                f"Item {index + 1}: contact must be an id.", field=field
            ) from None
        try:
            role_id = int(item.get("role"))
        except (TypeError, ValueError):
            raise ApplicationError(
                f"Item {index + 1}: choose a role for contact {contact_id}.", field=field
            ) from None
        pairs.append((contact_id, role_id))
    contacts = [c for c, _ in pairs]
    if len(set(contacts)) != len(contacts):
        raise ApplicationError("A contact is listed twice.", field=field)
    return pairs


def _check_roles(group: BuyingGroup, role_ids: set[int], field: str) -> None:
    valid = set(
        TemplateRole.objects.filter(
            template_id=group.role_template_id, pk__in=role_ids
        ).values_list("pk", flat=True)
    )
    bad = sorted(role_ids - valid)
    if bad:
        raise ApplicationError(
            f"Role {bad[0]} is not a role of the template {group.role_template}.", field=field
        )


def member_events(
    group: BuyingGroup,
    contacts: Sequence[tuple[int, int | None]],
    *,
    kind: str,
    user: User | None,
    source: str = "",
) -> None:
    """Announce members added to or removed from ``group`` on the hub event stream, in the
    caller's transaction; ``contacts`` are (contact id, role id) pairs."""
    hub_events_emit_bulk(
        HubEventInput(
            kind=kind,
            subject_type="buying_group",
            subject_id=group.pk,
            account_id=group.account_id,
            contact_id=contact_id,
            actor_id=user.pk if user else None,
            payload={
                "buying_group": group.pk,
                "contact": contact_id,
                "role": role_id,
                "source": source,
            },
        )
        for contact_id, role_id in contacts
    )


def buying_group_members_assign(
    *, user: User | None, group: BuyingGroup, items, source: str = Member.Source.MANUAL
) -> list[Member]:
    """Add contacts of the group's account with a role each: all of them, or none."""
    if user is not None:
        _check_group(user, group)
    pairs = _parse_pairs(items, "members")
    contact_ids = [c for c, _ in pairs]
    existing = set(Contact.objects.filter(pk__in=contact_ids).values_list("pk", flat=True))
    missing = [c for c in contact_ids if c not in existing]
    if missing:
        raise ApplicationError(f"Contact {missing[0]} does not exist.", field="members")
    of_account = account_contact_ids(group.account_id, contact_ids)
    outside = [c for c in contact_ids if c not in of_account]
    if outside:
        raise ApplicationError(
            f"Contact {outside[0]} is not a contact of {group.account.name}; only the "
            "account's contacts can join its buying groups.",
            field="members",
            code="not_account_contact",
        )
    _check_roles(group, {r for _, r in pairs}, "members")
    already = set(
        Member.objects.filter(group=group, contact_id__in=contact_ids).values_list(
            "contact_id", flat=True
        )
    )
    if already:
        raise ConflictError(
            f"Contact {sorted(already)[0]} is already a member of this group.", field="members"
        )
    now = timezone.now()
    with transaction.atomic():
        try:
            members = Member.objects.bulk_create(
                [
                    Member(group=group, contact_id=c, role_id=r, source=source, added_at=now)
                    for c, r in pairs
                ]
            )
        except IntegrityError:
            raise ConflictError("A contact was added by someone else meanwhile.") from None
        member_events(
            group, pairs, kind=HubEvent.Kind.BUYING_GROUP_MEMBER_ADDED, user=user, source=source
        )
        _touch(group)
        _refresh(group)
    return members


def buying_group_members_remove(*, user: User, group: BuyingGroup, contact_ids) -> int:
    """Remove members (by contact id): all of them, or none."""
    _check_group(user, group)
    if not isinstance(contact_ids, list | tuple):
        raise ApplicationError("contact_ids must be a list of ids.", field="contact_ids")
    _check_bulk(len(contact_ids), "contact_ids")
    try:
        ids = {int(c) for c in contact_ids}
    except (TypeError, ValueError):
        raise ApplicationError("contact_ids must be a list of ids.", field="contact_ids") from None
    with transaction.atomic():
        members = Member.objects.select_for_update().filter(group=group, contact_id__in=ids)
        found = set(members.values_list("contact_id", flat=True))
        if found != ids:
            raise ApplicationError(
                f"Contact {sorted(ids - found)[0]} is not a member of this group.",
                field="contact_ids",
            )
        roles = dict(members.values_list("contact_id", "role_id"))
        Member.objects.filter(group=group, contact_id__in=ids).delete()
        member_events(
            group,
            sorted(roles.items()),
            kind=HubEvent.Kind.BUYING_GROUP_MEMBER_REMOVED,
            user=user,
        )
        _touch(group)
        _refresh(group)
    return len(ids)


def buying_group_members_set_roles(*, user: User, group: BuyingGroup, items) -> int:
    """Change the role of members (by contact id): all of them, or none."""
    _check_group(user, group)
    pairs = _parse_pairs(items, "members")
    _check_roles(group, {r for _, r in pairs}, "members")
    role_by_contact = dict(pairs)
    with transaction.atomic():
        members = list(
            Member.objects.select_for_update().filter(
                group=group, contact_id__in=list(role_by_contact)
            )
        )
        missing = set(role_by_contact) - {m.contact_id for m in members}
        if missing:
            raise ApplicationError(
                f"Contact {sorted(missing)[0]} is not a member of this group.", field="members"
            )
        for member in members:
            member.role_id = role_by_contact[member.contact_id]
        Member.objects.bulk_update(members, ["role"])
        _touch(group)
        _refresh(group)
    return len(members)
