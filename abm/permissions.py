"""Who may write what. Pages and the API ask the same questions here.

- Admins write everything.
- Marketers write accounts, contacts, campaigns and products, and whatever they own.
- Sales reps read everything but write only records they own (and create records
  owned by themselves).
"""

from __future__ import annotations

from rest_framework import permissions

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


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == "admin"))


def can_create(user, model) -> bool:
    """May ``user`` create a record of this model (owned by themselves)?"""
    if not user or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    name = _model_name(model)
    if name in {"campaign", "product"}:
        return user.role == "marketer"
    return name not in {"team", "user"}


def can_write(user, obj) -> bool:
    """May ``user`` change or delete this existing record?"""
    if not user or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    name = _model_name(obj)
    if user.role == "marketer" and name in MARKETER_WRITABLE:
        return True
    if name in {"team", "user", "campaign", "product"}:
        return False
    owner_id = _owner_id(obj)
    return owner_id is not None and owner_id == user.id


class RolePermission(permissions.BasePermission):
    """DRF door onto the same rules: reads for any signed-in user, writes by role."""

    message = "Your role does not allow this change."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "create":
            model = view.get_queryset().model
            return can_create(request.user, model)
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write(request.user, obj)
