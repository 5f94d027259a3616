"""The one door into the analyses: validated settings in, a result out.

``run(kind=..., settings=..., user=...)`` answers from the cache when the settings and
the data version are unchanged; otherwise the engine named by ``ANALYTICS_ENGINE``
computes it. Today that is the SQL engine (PostgreSQL and SQLite, set-based statements
over the activity stream); a columnar engine (ClickHouse) would implement the same
three functions per kind: ``compute(settings)``, ``entities(settings, target)``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.cache import cache

from analytics.engine import cohort, flow, journey
from analytics.engine.labels import label_result

VERSION_KEY = "analytics:data-version"
CACHE_SECONDS = 600
# A result computed on an older data version is still served for this many seconds:
# with activities arriving every second the version always moves, and a minute-old
# picture is what an analyst expects (ANALYTICS_RESULT_MAX_AGE, 0 = always exact).
DEFAULT_MAX_AGE = 60

SQL_ENGINE = {"journey": journey, "cohort": cohort, "flow": flow}
ENGINES = {"sql": SQL_ENGINE}


@dataclass
class Result:
    kind: str
    settings: dict
    data: dict
    version: int
    cached: bool = False
    elapsed_ms: float = 0.0
    computed_at: float = field(default_factory=time.time)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "data": self.data,
            "data_version": self.version,
            "cached": self.cached,
            "computed_at": datetime.datetime.fromtimestamp(
                self.computed_at, datetime.UTC
            ).isoformat(),
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def _engine():
    return ENGINES[getattr(django_settings, "ANALYTICS_ENGINE", "sql")]


def data_version() -> int:
    """A number that changes whenever the data the analyses read changes."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # a fresh cache starts from the clock, so no stale entry can match
        version = int(time.time() * 1000)
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def data_version_bump(**_changes) -> None:
    """Change listener: any write to the stream or the records bumps the version."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        data_version()


def _key(kind: str, settings: dict) -> str:
    blob = json.dumps(settings, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{kind}|{blob}".encode()).hexdigest()[:32]
    return f"analytics:result:{digest}"


def job_key(kind: str, settings: dict) -> str:
    """The id a background run of these settings is polled by."""
    return _key(kind, settings).rsplit(":", 1)[1]


def cached(*, kind: str, settings: dict) -> Result | None:
    """The cached result for these settings when it is fresh enough, else None."""
    hit = cache.get(_key(kind, settings))
    if hit is None:
        return None
    max_age = getattr(django_settings, "ANALYTICS_RESULT_MAX_AGE", DEFAULT_MAX_AGE)
    if hit["version"] != data_version() and time.time() - hit["at"] >= max_age:
        return None
    return Result(
        kind=kind,
        settings=settings,
        data=hit["data"],
        version=hit["version"],
        cached=True,
        computed_at=hit["at"],
    )


def cached_by_job(job: str) -> dict | None:
    """A background run's answer: the result, {"status": "running"}, or None if unknown."""
    hit = cache.get(f"analytics:result:{job}")
    if hit is not None:
        return {"status": "done", "data": hit["data"], "data_version": hit["version"]}
    if cache.get(f"analytics:running:{job}"):
        return {"status": "running"}
    return None


def job_start(*, kind: str, settings: dict) -> bool:
    """Mark a background run as started; False when one is already running."""
    return cache.add(f"analytics:running:{job_key(kind, settings)}", 1, 600)


def job_done(*, kind: str, settings: dict) -> None:
    cache.delete(f"analytics:running:{job_key(kind, settings)}")


def run(*, kind: str, settings: dict, user=None, use_cache: bool = True) -> Result:
    """The result of one analysis for validated ``settings`` (see analytics.validation).

    Results do not depend on the user: every signed-in role reads all records.
    """
    version = data_version()
    key = _key(kind, settings)
    if use_cache:
        hit = cached(kind=kind, settings=settings)
        if hit is not None:
            return hit
    started = time.perf_counter()
    data = label_result(kind, _engine()[kind].compute(settings), settings)
    elapsed = (time.perf_counter() - started) * 1000
    now = time.time()
    cache.set(key, {"version": version, "at": now, "data": data}, CACHE_SECONDS)
    return Result(
        kind=kind,
        settings=settings,
        data=data,
        version=version,
        elapsed_ms=elapsed,
        computed_at=now,
    )


def entities(*, kind: str, settings: dict, target: dict) -> list[int]:
    """Drill-down: ids of the container's entities behind a node, cell or band."""
    return _engine()[kind].entities(settings, target)
