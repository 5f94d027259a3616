"""Celery tasks of the accounts app, one module per area (autodiscovered through here)."""

from accounts.tasks.hub_events import *  # noqa: F403
from accounts.tasks.imports import *  # noqa: F403
from accounts.tasks.sweeps import *  # noqa: F403
from accounts.tasks.targets import *  # noqa: F403
from accounts.webforms.tasks import *  # noqa: F403
