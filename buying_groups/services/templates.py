"""Role templates and their roles: created and edited by marketers and admins."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.permissions import may_manage_role_templates
from accounts.models import Product, User
from buying_groups.conditions import conditions_clean
from buying_groups.models import BuyingGroup, Member, RoleTemplate, TemplateRole


def _check(user: User) -> None:
    if not may_manage_role_templates(user):
        raise ForbiddenError("Only marketers and admins can change role templates.")


def _clean_roles(roles) -> list[dict]:
    if not isinstance(roles, list):
        raise ApplicationError("Roles must be a list.", field="roles")
    if len(roles) > 30:
        raise ApplicationError("A template takes at most 30 roles.", field="roles")
    cleaned, names = [], set()
    for index, role in enumerate(roles):
        if not isinstance(role, dict):
            raise ApplicationError(f"Role {index + 1} must be an object.", field="roles")
        name = str(role.get("name") or "").strip()
        if not name:
            raise ApplicationError(f"Role {index + 1} needs a name.", field="roles")
        if len(name) > 100:
            raise ApplicationError(f"Role {index + 1}: name is too long.", field="roles")
        if name.casefold() in names:
            raise ApplicationError(f"Two roles are named {name!r}.", field="roles")
        names.add(name.casefold())
        try:
            weight = int(role.get("weight", 1))
        except (TypeError, ValueError):
            raise ApplicationError(
                f"Role {name!r}: weight must be a whole number.", field="roles"
            ) from None
        if weight <= 0 or weight > 1000:
            raise ApplicationError(
                f"Role {name!r}: weight must be between 1 and 1000.", field="roles"
            )
        match = role.get("match") or "all"
        if match not in TemplateRole.Match.values:
            raise ApplicationError(f"Role {name!r}: match must be 'all' or 'any'.", field="roles")
        try:
            conditions = conditions_clean(role.get("conditions") or [])
        except ApplicationError as exc:
            raise ApplicationError(f"Role {name!r}: {exc.message}", field="roles") from None
        cleaned.append(
            {
                "id": role.get("id"),
                "name": name,
                "weight": weight,
                "required": bool(role.get("required", False)),
                "is_decision_maker": bool(role.get("is_decision_maker", False)),
                "match": match,
                "conditions": conditions,
                "position": index,
            }
        )
    return cleaned


def _clean_header(data: dict, template: RoleTemplate | None) -> dict:
    out = {}
    if "name" in data or template is None:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ApplicationError("A template needs a name.", field="name")
        if len(name) > 200:
            raise ApplicationError("Name is at most 200 characters.", field="name")
        clash = RoleTemplate.objects.filter(name__iexact=name)
        if template:
            clash = clash.exclude(pk=template.pk)
        if clash.exists():
            raise ApplicationError(f"A template named {name!r} exists.", field="name")
        out["name"] = name
    if "solution_interest" in data:
        product = data["solution_interest"]
        if product not in (None, "") and not isinstance(product, Product):
            product = (
                Product.objects.filter(pk=product).first() if str(product).isdecimal() else None
            )
            if product is None:
                raise ApplicationError("No such product.", field="solution_interest")
        out["solution_interest"] = product or None
    if "description" in data:
        out["description"] = str(data.get("description") or "")
    return out


def _sync_roles(template: RoleTemplate, roles: list[dict]) -> None:
    """Replace the template's roles: matched by id (or name), new ones created, others deleted."""
    existing = {r.pk: r for r in template.roles.all()}
    by_name = {r.name.casefold(): r for r in existing.values()}
    keep = set()
    # Rename in two passes so swapping names does not trip the unique constraint.
    plan = []
    for role in roles:
        current = existing.get(role["id"]) if role["id"] else by_name.get(role["name"].casefold())
        if role["id"] and current is None:
            raise ApplicationError(
                f"Role {role['id']} is not part of this template.", field="roles"
            )
        plan.append((current, role))
        if current:
            keep.add(current.pk)
    removed = [pk for pk in existing if pk not in keep]
    in_use = set(Member.objects.filter(role_id__in=removed).values_list("role_id", flat=True))
    if in_use:
        names = ", ".join(sorted(existing[pk].name for pk in in_use))
        raise ConflictError(
            f"Roles still held by members cannot be removed: {names}. Reassign them first.",
            field="roles",
        )
    TemplateRole.objects.filter(pk__in=removed).delete()
    for current, _ in plan:
        if current:
            current.name = f"__renaming_{current.pk}"
            current.save(update_fields=["name"])
    for current, role in plan:
        fields = {k: v for k, v in role.items() if k != "id"}
        if current:
            for key, value in fields.items():
                setattr(current, key, value)
            current.save()
        else:
            TemplateRole.objects.create(template=template, **fields)


def _refresh_groups_of(template: RoleTemplate) -> None:
    from buying_groups.services.scores import scores_mark_dirty

    ids = list(BuyingGroup.objects.filter(role_template=template).values_list("id", flat=True))
    if ids:
        transaction.on_commit(lambda: scores_mark_dirty(group_ids=ids))


def role_template_create(*, user: User, data: dict) -> RoleTemplate:
    """Create a template with its roles."""
    _check(user)
    header = _clean_header(data, None)
    roles = _clean_roles(data.get("roles") or [])
    with transaction.atomic():
        try:
            template = RoleTemplate.objects.create(owner=user, **header)
        except IntegrityError:
            raise ConflictError("A template with this name exists.", field="name") from None
        _sync_roles(template, roles)
    return template


def role_template_update(*, user: User, template: RoleTemplate, data: dict) -> RoleTemplate:
    """Change a template; ``roles`` (when given) replaces the whole list of roles."""
    _check(user)
    header = _clean_header(data, template)
    roles = _clean_roles(data["roles"]) if "roles" in data else None
    with transaction.atomic():
        for key, value in header.items():
            setattr(template, key, value)
        template.updated_at = timezone.now()
        template.save()
        if roles is not None:
            _sync_roles(template, roles)
            # Weights may have changed: completeness of every group using it moves.
            _refresh_groups_of(template)
    return template


def role_template_delete(*, user: User, template: RoleTemplate) -> None:
    """Delete a template that no group uses."""
    _check(user)
    if BuyingGroup.objects.filter(role_template=template).exists():
        raise ConflictError("Buying groups use this template; delete or move them first.")
    template.delete()
