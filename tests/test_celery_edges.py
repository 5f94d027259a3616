"""Celery edges: task names, the beat schedule, the retry policy, best-effort enqueue,
isolated change listeners and a cache that degrades instead of raising."""

import logging
from unittest import mock

import kombu.exceptions
import pytest
import redis.exceptions
from django.db import InterfaceError, OperationalError

from abm.cache import ResilientRedisCache
from abm.celery import app
from abm.tasks import TRANSIENT_ERRORS, HubTask, enqueue, hub_task
from accounts.services import changes

OUR_APPS = {"abm", "accounts", "buying_groups", "sales_actions", "analytics"}
CATCH_UP_SECONDS = 60


def our_tasks() -> dict:
    app.loader.import_default_modules()
    return {
        name: task for name, task in app.tasks.items() if task.__module__.split(".")[0] in OUR_APPS
    }


def test_every_task_of_ours_has_an_explicit_name_ending_in_task_of_its_own_app():
    tasks = our_tasks()
    assert len(tasks) >= 12
    for name, task in tasks.items():
        module_app = task.__module__.split(".")[0]
        assert name.endswith("_task"), name
        assert name.split(".")[0] == module_app, f"{name} is defined in {task.__module__}"
        # The generated name would be "<module>.<function>": ours are never that.
        assert name != f"{task.__module__}.{task.__name__}", f"{name} has no explicit name"


def test_no_task_function_shares_a_name_with_a_service():
    import accounts.services
    import buying_groups.services.generation
    import buying_groups.services.scores
    import buying_groups.services.summaries
    import sales_actions.services

    service_names = set()
    for module in (
        accounts.services,
        buying_groups.services.generation,
        buying_groups.services.scores,
        buying_groups.services.summaries,
        sales_actions.services,
    ):
        service_names |= {n for n in dir(module) if not n.startswith("_")}
    clashes = {task.__name__ for task in our_tasks().values()} & service_names
    assert not clashes


def test_every_beat_entry_names_a_registered_task():
    tasks = our_tasks()
    for key, entry in app.conf.beat_schedule.items():
        assert entry["task"] in tasks, f"beat entry {key} names {entry['task']}"


def test_each_consumer_of_change_marks_has_a_catch_up_within_a_minute():
    """What a commit marks dirty in the database while the broker is down is picked up by
    one of these once it is back."""
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    for task in (
        "accounts.rollups_refresh_dirty_task",
        "buying_groups.scores_flush_task",
        "sales_actions.sales_emails_sweep_task",
        "analytics.health_refresh_dirty_task",
        "abm.worker_heartbeat_task",
    ):
        assert float(schedule[task]) <= CATCH_UP_SECONDS, task


def test_every_task_retries_on_the_real_transient_errors_with_celerys_backoff():
    assert redis.exceptions.ConnectionError in TRANSIENT_ERRORS
    assert redis.exceptions.TimeoutError in TRANSIENT_ERRORS
    assert kombu.exceptions.OperationalError in TRANSIENT_ERRORS
    assert OperationalError in TRANSIENT_ERRORS and InterfaceError in TRANSIENT_ERRORS
    # Python's built-ins are not what redis-py or the database raise.
    assert ConnectionError not in TRANSIENT_ERRORS and TimeoutError not in TRANSIENT_ERRORS
    for name, task in our_tasks().items():
        assert isinstance(task, HubTask), name
        assert set(TRANSIENT_ERRORS) <= set(task.autoretry_for), name
        assert task.retry_backoff and task.retry_jitter, name
        assert 1 <= task.max_retries <= 5, name
        # Autoretry wraps the task's run (the policy is live, not only declared).
        assert hasattr(task, "_orig_run"), name


def test_a_task_name_must_end_in_task():
    with pytest.raises(ValueError, match="_task"):
        hub_task(name="abm.nameless")


def test_the_outbox_retries_with_celerys_backoff_not_a_hand_written_one():
    import sales_actions.tasks

    task = sales_actions.tasks.sales_emails_deliver_task
    assert not hasattr(sales_actions.tasks, "backoff")
    assert task.retry_backoff == 10 and task.max_retries == 5
    assert "TransientSendError" in {cls.__name__ for cls in task.autoretry_for}


@pytest.mark.django_db
def test_a_task_retries_a_database_hiccup_then_succeeds(settings):
    from abm.tasks import ping_task

    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return 3

    with (
        mock.patch("django.db.models.query.QuerySet.count", flaky),
        mock.patch.object(ping_task, "retry", wraps=ping_task.retry) as retry,
    ):
        try:
            ping_task.apply(args=["t"], throw=True)
        except Exception as exc:  # eager + propagate raises celery's Retry
            assert type(exc).__name__ == "Retry"
    assert retry.called
    kwargs = retry.call_args.kwargs
    assert isinstance(kwargs["exc"], OperationalError)
    assert 0 <= kwargs["countdown"] <= 2  # Celery's backoff: first retry within 2 s


# --- enqueue: best-effort after commit ----------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6399"),
        redis.exceptions.ConnectionError("Connection refused"),
        redis.exceptions.TimeoutError("Timeout"),
    ],
)
def test_enqueue_logs_a_broker_that_is_down_and_answers_false(caplog, error):
    task = mock.Mock()
    task.name = "abm.ping_task"
    task.apply_async.side_effect = error
    with caplog.at_level(logging.WARNING, logger="abm.tasks"):
        assert enqueue(task, "x", countdown=2) is False
    assert "could not queue abm.ping_task" in caplog.text
    task.apply_async.assert_called_once_with(args=("x",), kwargs=None, countdown=2)


def test_enqueue_answers_true_when_queued():
    task = mock.Mock()
    assert enqueue(task, 1, 2) is True


# --- change listeners ------------------------------------------------------------------


def test_a_failing_listener_is_logged_and_the_others_still_run(monkeypatch, caplog):
    seen = []

    def first(**kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    def second(**kwargs):
        seen.append(kwargs)

    monkeypatch.setattr(changes, "_LISTENERS", [first, second])
    with caplog.at_level(logging.ERROR, logger="accounts.services.changes"):
        failed = changes.changes_dispatch(kind="activity", account_ids={1}, contact_ids={2})

    assert failed == 1
    assert seen == [{"kind": "activity", "account_ids": {1}, "contact_ids": {2}}]
    assert "listener" in caplog.text and "first" in caplog.text


# --- the cache degrades instead of raising ------------------------------------------------


def test_the_redis_cache_misses_and_drops_writes_while_redis_is_down(caplog):
    # Nothing listens on port 9 (discard): every call fails to connect at once.
    cache = ResilientRedisCache(
        "redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.5}}
    )
    with caplog.at_level(logging.WARNING, logger="abm.cache"):
        assert cache.get("k", "fallback") == "fallback"
        assert cache.add("k", 1) is False
        assert cache.set("k", 1) is None
        assert cache.delete("k") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")
    assert "Redis unreachable" in caplog.text


def test_the_redis_cache_is_configured_with_short_timeouts(settings):
    from importlib import reload

    import abm.settings as hub_settings

    with mock.patch.dict("os.environ", {"REDIS_URL": "redis://127.0.0.1:6379/3"}):
        configured = reload(hub_settings)
    try:
        cache = configured.CACHES["default"]
        assert cache["BACKEND"] == "abm.cache.ResilientRedisCache"
        assert cache["OPTIONS"]["socket_timeout"] <= 5
        assert configured.CELERY_BROKER_TRANSPORT_OPTIONS["socket_timeout"] <= 5
        assert configured.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] <= 3
    finally:
        reload(hub_settings)


def test_a_worker_that_loses_redis_with_unacked_messages_survives(caplog):
    """kombu 5.7 hands unacked messages back through an already closed transport and the
    worker dies; abm.celery skips that (found by tests/test_outage.py)."""
    from kombu.transport import redis as kombu_redis

    assert getattr(kombu_redis.QoS.restore_unacked, "abm_patched", False)
    qos = kombu_redis.QoS.__new__(kombu_redis.QoS)
    qos.channel = mock.Mock()
    qos.channel.connection.client = None  # what the closed transport leaves
    qos._delivered = {"tag-1": object(), "tag-2": object()}

    with caplog.at_level(logging.WARNING, logger="abm.celery"):
        assert qos.restore_unacked() is None

    assert qos._delivered == {}
    assert "2 unacknowledged message(s)" in caplog.text
    qos.channel.conn_or_acquire.assert_not_called()


# --- A broker that is down while the API writes (no real Redis needed) ---------------------


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Not eager (a worker would run tasks), and every publish fails as with Redis gone."""
    from celery.app.task import Task

    # Celery reads Django's settings live: patch its conf first, so the value restored
    # afterwards is the suite's (eager), not the False set just below.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    failure = kombu.exceptions.OperationalError("Error 111 connecting to redis. Refused.")
    publish = mock.patch.object(Task, "apply_async", side_effect=failure)
    with publish as apply_async:
        yield apply_async


@pytest.mark.django_db
def test_a_committed_write_answers_201_with_the_broker_down_and_keeps_its_marks(
    api_as, admin, broker_down, django_capture_on_commit_callbacks
):
    from accounts.models import AccountRollupDirty, Activity
    from accounts.tests.factories import ContactFactory
    from buying_groups.models import DirtyScore
    from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory

    group = BuyingGroupFactory()
    contact = ContactFactory(account=group.account)
    MemberFactory(group=group, contact=contact)
    client = api_as(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/activities/",
            {"contact": contact.pk, "type": "form_submitted", "subject": "once"},
            format="json",
        )

    assert response.status_code == 201, response.content
    assert Activity.objects.filter(subject="once").count() == 1
    assert broker_down.called  # it tried, and the failure stayed inside
    # What the workers must do is in the database for beat's catch-up.
    assert AccountRollupDirty.objects.filter(account_id=group.account_id).exists()
    assert DirtyScore.objects.filter(kind="contact", object_id=contact.pk).exists()
    assert DirtyScore.objects.filter(kind="group", object_id=group.pk).exists()


@pytest.mark.django_db
def test_a_listener_that_fails_does_not_stop_the_next_one(
    api_as, admin, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.models import Activity
    from accounts.tests.factories import ContactFactory
    from buying_groups.models import ContactScore

    def broken(**kwargs):
        raise redis.exceptions.ConnectionError("Redis is down")

    monkeypatch.setattr(changes, "_LISTENERS", [broken, *changes._LISTENERS])
    contact = ContactFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(admin).post(
            "/api/v1/activities/",
            {"contact": contact.pk, "type": "form_submitted", "subject": "isolated"},
            format="json",
        )

    assert response.status_code == 201
    assert Activity.objects.filter(subject="isolated").count() == 1
    # The score listener after the broken one ran (eager flush): the person has a score.
    assert ContactScore.objects.get(contact=contact).score > 0


@pytest.mark.django_db
def test_a_sales_email_sent_with_the_broker_down_stays_queued_for_the_sweep(
    sales_rep, broker_down, django_capture_on_commit_callbacks
):
    from accounts.tests.factories import ContactFactory
    from sales_actions import services
    from sales_actions.models import SalesEmail
    from sales_actions.tests.factories import EmailTemplateFactory

    with django_capture_on_commit_callbacks(execute=True):
        result = services.sales_email_send(
            user=sales_rep, template_id=EmailTemplateFactory().pk, contact_ids=[ContactFactory().pk]
        )

    email = SalesEmail.objects.get(pk=result.queued[0]["sales_email_id"])
    assert email.status == "queued"
    assert broker_down.called


# --- Jobs whose message was lost with the broker --------------------------------------------


@pytest.mark.django_db
def test_import_and_generation_jobs_left_waiting_are_handed_out_again():
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ImportJob
    from accounts.tasks import sweeps
    from accounts.tests.factories import ProductFactory
    from buying_groups.models import GenerationJob
    from buying_groups.tasks import generation_jobs_requeue_task
    from buying_groups.tests.factories import RoleTemplateFactory

    old = timezone.now() - timedelta(minutes=5)
    lost = ImportJob.objects.create(kind="accounts", content="name\n", total_rows=1)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=old)
    ImportJob.objects.create(kind="accounts", content="name\n", total_rows=1)  # just queued
    done = ImportJob.objects.create(kind="accounts", content="name\n", status="succeeded")
    ImportJob.objects.filter(pk=done.pk).update(created_at=old)
    job = GenerationJob.objects.create(
        role_template=RoleTemplateFactory(), solution_interest=ProductFactory(), all_targets=True
    )
    GenerationJob.objects.filter(pk=job.pk).update(created_at=old)

    with mock.patch.object(sweeps, "enqueue", return_value=True) as queued:
        assert sweeps.import_jobs_requeue_task() == 1
    assert queued.call_args.args[1:] == (lost.pk,)
    with mock.patch("abm.tasks.enqueue", return_value=True) as queued:
        assert generation_jobs_requeue_task() == 1
    assert queued.call_args.args[1:] == (job.pk,)
