"""In-memory shapes the demo steps share: a generated company, a generated person, helpers."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass
class Company:
    id: int
    name: str
    domain: str
    industry: str
    employees: int
    revenue: Decimal
    country: str
    phone_prefix: str
    owner_id: int | None
    fit: int
    is_target: bool
    created_at: datetime
    contacts: list = field(default_factory=list)
    # Not every account is alike: sales has not called or met some of them, some went
    # quiet weeks ago, and some are busier than others.
    worked: bool = True
    quiet_days: int = 0
    heat: float = 1.0


@dataclass
class Person:
    id: int
    account_id: int
    first: str
    last: str
    seniority: str
    department: str
    roles: list[str]
    allow_email: bool
    created_at: datetime


def weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights)[0]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
