"""Matching conditions of template roles: a small structured language, never evaluated as code.

A condition is ``{"field": ..., "op": ..., "value": [...]}``. A list value means "any
of these". Conditions are written on the role-template page one per line, e.g.::

    title contains VP, Director
    buying_roles include Decision maker, Budget holder
    department equals Finance
    seniority at_least Director

The form shows buying roles and seniority levels by their labels and takes either the
label or the stored code; the stored conditions (and the API) hold the codes.
"""

from __future__ import annotations

import re

from abm.exceptions import ApplicationError
from accounts.models import BuyingRole

SENIORITY_LEVELS = ["individual", "manager", "director", "vp", "c_level"]
SENIORITY_LABELS = {
    "individual": "Individual contributor",
    "manager": "Manager",
    "director": "Director",
    "vp": "VP",
    "c_level": "C-level",
}
_SENIORITY_PATTERNS = [
    (
        "c_level",
        re.compile(r"\b(chief|ceo|cfo|cto|cio|cmo|coo|ciso|cro|president|founder)\b", re.I),
    ),
    ("vp", re.compile(r"\b(vp|svp|evp|vice[- ]president)\b", re.I)),
    ("director", re.compile(r"\b(director|head of)\b", re.I)),
    ("manager", re.compile(r"\b(manager|lead|supervisor)\b", re.I)),
]

# field -> the operators it accepts
OPERATORS: dict[str, tuple[str, ...]] = {
    "title": ("contains", "equals", "starts_with"),
    "department": ("contains", "equals"),
    "buying_roles": ("include",),
    "seniority": ("is", "at_least"),
}
# Labels for the values of the fields that have a fixed list: what the form shows.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "buying_roles": {value: str(label) for value, label in BuyingRole.choices},
    "seniority": SENIORITY_LABELS,
}
FIELD_HELP = (
    "One condition per line: <field> <operator> <values, comma-separated>. Fields: "
    "title (contains / equals / starts_with), department (contains / equals), buying_roles "
    "(include: "
    + ", ".join(VALUE_LABELS["buying_roles"].values())
    + "), seniority (is / at_least: "
    + ", ".join(SENIORITY_LABELS.values())
    + ")."
)


def _value_code(field_name: str, value: str) -> str:
    """The stored code for a value typed as its label or its code (any case); else as typed."""
    labels = VALUE_LABELS.get(field_name)
    if not labels:
        return value
    wanted = value.strip().casefold()
    for code, label in labels.items():
        if wanted in (code.casefold(), label.casefold(), code.replace("_", " ").casefold()):
            return code
    return value


def _value_label(field_name: str, value: str) -> str:
    return VALUE_LABELS.get(field_name, {}).get(value, value)


def seniority_of(title: str) -> str:
    """The seniority a job title implies: c_level, vp, director, manager or individual."""
    for level, pattern in _SENIORITY_PATTERNS:
        if pattern.search(title or ""):
            return level
    return "individual"


def conditions_clean(raw) -> list[dict]:
    """Validate a condition list from the API or a form; raise ApplicationError naming it."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ApplicationError("Conditions must be a list.", field="conditions")
    cleaned = []
    for index, item in enumerate(raw):
        where = f"Condition {index + 1}"
        if not isinstance(item, dict):
            raise ApplicationError(f"{where} must be an object.", field="conditions")
        field_name, op, value = item.get("field"), item.get("op"), item.get("value")
        if field_name not in OPERATORS:
            raise ApplicationError(
                f"{where}: field must be one of {', '.join(OPERATORS)}.", field="conditions"
            )
        if op not in OPERATORS[field_name]:
            raise ApplicationError(
                f"{where}: '{field_name}' takes {' / '.join(OPERATORS[field_name])}.",
                field="conditions",
            )
        values = value if isinstance(value, list) else [value]
        values = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not values:
            raise ApplicationError(f"{where}: give at least one value.", field="conditions")
        if any(len(v) > 100 for v in values):
            raise ApplicationError(
                f"{where}: values are at most 100 characters.", field="conditions"
            )
        if field_name == "buying_roles":
            bad = [v for v in values if v not in BuyingRole.values]
            if bad:
                raise ApplicationError(
                    f"{where}: unknown buying role {bad[0]!r}; use {', '.join(BuyingRole.values)}.",
                    field="conditions",
                )
        if field_name == "seniority":
            bad = [v for v in values if v not in SENIORITY_LEVELS]
            if bad:
                raise ApplicationError(
                    f"{where}: unknown seniority {bad[0]!r}; use {', '.join(SENIORITY_LEVELS)}.",
                    field="conditions",
                )
        cleaned.append({"field": field_name, "op": op, "value": values})
    if len(cleaned) > 20:
        raise ApplicationError("A role takes at most 20 conditions.", field="conditions")
    return cleaned


def conditions_parse(text: str) -> list[dict]:
    """Parse the one-condition-per-line form syntax into a validated condition list."""
    raw = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise ApplicationError(
                f"Line {number}: write '<field> <operator> <values>'.", field="conditions"
            )
        field_name = parts[0].lower()
        values = [_value_code(field_name, v) for v in parts[2].split(",") if v.strip()]
        raw.append({"field": field_name, "op": parts[1].lower(), "value": values})
    return conditions_clean(raw)


def conditions_format(conditions: list[dict]) -> str:
    """The form syntax for a stored condition list (fixed-list values by their labels)."""
    return "\n".join(
        f"{c['field']} {c['op']} {', '.join(_value_label(c['field'], v) for v in c['value'])}"
        for c in conditions or []
    )


def conditions_describe(conditions: list[dict], match: str = "all") -> str:
    """A readable sentence for a role's conditions."""
    if not conditions:
        return "Filled by hand only"
    parts = [
        f"{c['field'].replace('_', ' ')} {c['op'].replace('_', ' ')} "
        + " or ".join(_value_label(c["field"], v) for v in c["value"])
        for c in conditions
    ]
    return (" and " if match == "all" else " or ").join(parts)


def _matches_one(condition: dict, contact) -> bool:
    field_name, op, values = condition["field"], condition["op"], condition["value"]
    if field_name == "buying_roles":
        roles = set(contact.buying_roles)
        return any(v in roles for v in values)
    if field_name == "seniority":
        level = seniority_of(contact.title)
        if op == "is":
            return level in values
        rank = SENIORITY_LEVELS.index(level)
        return any(rank >= SENIORITY_LEVELS.index(v) for v in values)
    text = (getattr(contact, field_name, "") or "").casefold()
    wanted = [v.casefold() for v in values]
    if op == "contains":
        # Whole-word match so "VP" does not match "MVP".
        return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in wanted)
    if op == "equals":
        return text.strip() in wanted
    if op == "starts_with":
        return any(text.startswith(w) for w in wanted)
    return False


def role_matches(role, contact) -> bool:
    """Does ``contact`` satisfy ``role``'s conditions? A role without conditions never matches."""
    conditions = role.conditions or []
    if not conditions:
        return False
    results = (_matches_one(c, contact) for c in conditions)
    return all(results) if role.match == "all" else any(results)


def role_for_contact(roles, contact):
    """The first role (in template order) whose conditions the contact satisfies, or None."""
    for role in roles:
        if role_matches(role, contact):
            return role
    return None
