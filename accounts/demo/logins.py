"""Who signs in to the demo: the fixed logins, and the step that creates their users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import Team, User

if TYPE_CHECKING:
    from accounts.demo.builder import DemoBuilder


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    team: str
    first_name: str
    last_name: str


BASE_LOGINS = [
    DemoLogin("admin", "demo-admin-2026!", "admin", "Leadership", "Alex", "Morgan"),
    DemoLogin("marketer", "demo-marketer-2026!", "marketer", "Marketing", "Maya", "Lindqvist"),
    DemoLogin("rep1", "demo-rep1-2026!", "sales_rep", "Sales East", "Ravi", "Patel"),
    DemoLogin("rep2", "demo-rep2-2026!", "sales_rep", "Sales West", "Sofia", "Romero"),
]
EXTRA_REP_NAMES = [
    ("Daniel", "Okafor"),
    ("Hannah", "Becker"),
    ("Kenji", "Watanabe"),
    ("Laura", "Nowak"),
    ("Omar", "Haddad"),
    ("Grace", "Kim"),
]


def demo_logins(accounts: int) -> list[DemoLogin]:
    """The demo users for a data set of this size: more reps for a bigger book."""
    extra = min(len(EXTRA_REP_NAMES), accounts // 2000)
    logins = list(BASE_LOGINS)
    for i in range(extra):
        number = i + 3
        first, last = EXTRA_REP_NAMES[i]
        team = "Sales East" if number % 2 else "Sales West"
        logins.append(
            DemoLogin(f"rep{number}", f"demo-rep{number}-2026!", "sales_rep", team, first, last)
        )
    return logins


def users_build(b: DemoBuilder) -> list[DemoLogin]:
    """Create the demo users that do not exist yet (an existing user keeps its password)."""
    logins = demo_logins(b.n_accounts)
    for login in logins:
        team, _ = Team.objects.get_or_create(name=login.team)
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user = User(
                username=login.username,
                email=f"{login.username}@northwind-cloud.example",
                first_name=login.first_name,
                last_name=login.last_name,
                role=login.role,
                team=team,
                is_staff=login.role == "admin",
                is_superuser=login.role == "admin",
            )
            user.set_password(login.password)
            user.save()
            b.count("users", 1)
        b.users[login.username] = user
    b.rep_ids = [b.users[x.username].pk for x in logins if x.role == "sales_rep"]
    return logins
