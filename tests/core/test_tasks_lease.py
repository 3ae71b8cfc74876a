"""A worker killed with SIGKILL in the middle of a DMS import: its task is noticed, retried, then failed.

Real `manage.py db_worker` subprocesses on the test database (SQLite and PostgreSQL), killed with kill -9
while the import task is RUNNING. No timed assertions: the tests wait for states, with a generous limit.
"""

import json
import signal
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from huifang.archive.choices import ImportStatus
from huifang.archive.demo import DemoGenerator, write_dms_file
from huifang.archive.importing.services import import_batch_create
from huifang.archive.models import ImportBatch, RepairOrder
from huifang.archive.tasks import import_dms_task
from huifang.background.choices import ProcessKind, RecoveryAction
from huifang.background.models import Heartbeat, TaskRecovery
from huifang.background.services import heartbeat_start, orphans_find, tasks_recover
from huifang.notifications.models import Notification

from ..factories import UserFactory
from .workers import SharedDatabase

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = 1000
STATUS_SQL = "SELECT status FROM django_tasks_database_dbtaskresult"
BATCH_SQL = "SELECT status FROM archive_importbatch"


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def import_batch(store, tmp_path, settings, db_tasks):
    """An uploaded DMS export of ORDERS repair orders, waiting for the worker, and its enqueued task."""
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "dms.csv"
    counts = write_dms_file(path, DemoGenerator(seed=7, today=timezone.localdate()).customers(500), ro_count=ORDERS)
    assert counts["repair_orders"] == ORDERS
    upload = SimpleUploadedFile("dms.csv", path.read_bytes(), content_type="text/csv")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True, email="root@example.com")
    batch = import_batch_create(store=store, actor=admin, upload=upload, dry_run=False)
    result = import_dms_task.enqueue(batch_id=batch.pk)
    return batch, result, admin


def _ids(value) -> list:
    return value if isinstance(value, list) else json.loads(value)


def _kill_while_running(shared: SharedDatabase, worker_id: str) -> None:
    """Start a worker, wait until it runs the import, SIGKILL it."""
    worker = shared.worker(worker_id)
    shared.wait_for(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult",
        expect=lambda rows: rows[0][0] == "RUNNING" and _ids(rows[0][1])[-1:] == [worker_id],
    )
    assert shared.kill(worker) == -signal.SIGKILL


def test_a_worker_killed_during_an_import_is_noticed_and_the_import_retried_once(tmp_path, import_batch):
    # given an import enqueued, and workers that notice a dead worker's process at once
    batch, result, _admin = import_batch
    shared = SharedDatabase(tmp_path, heartbeat_seconds=1, recover_every_seconds=1, retry_backoff_seconds=1)
    shared.push()
    try:
        # when the first worker is killed with SIGKILL while it runs the import
        _kill_while_running(shared, "w1")
        # then the import wrote nothing (one transaction) and its task is still RUNNING
        assert shared.query("SELECT COUNT(*) FROM archive_repairorder") == [(0,)]
        assert shared.query(STATUS_SQL) == [("RUNNING",)]
        # when a second worker starts: it takes the task back and runs it again
        second = shared.worker("w2")
        shared.wait_for(STATUS_SQL, expect=[("SUCCESSFUL",)])
        assert shared.kill(second, signal.SIGTERM) == 0
    finally:
        shared.stop_all()
    shared.pull()
    # then the import ran to the end exactly once, after one retry
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.worker_ids == ["w1", "w2"]
    recovery = TaskRecovery.objects.get()
    assert (recovery.action, recovery.attempt, recovery.process_id) == (RecoveryAction.RETRIED, 1, "w1")
    assert "is gone" in recovery.reason
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert RepairOrder.objects.filter(store=batch.store).count() == ORDERS
    # and both workers left their mark: the killed one taken for dead, the other stopped cleanly
    beats = dict(Heartbeat.objects.values_list("process_id", "stopped_at"))
    assert set(beats) == {"w1", "w2"} and all(beats.values())
    assert "Traceback" not in (tmp_path / "w2.log").read_text()
    assert not Notification.objects.exists()


def test_a_task_whose_worker_dies_every_time_fails_after_the_limit_and_the_admin_is_told(tmp_path, import_batch):
    # given at most 2 runs of a task
    batch, result, admin = import_batch
    shared = SharedDatabase(
        tmp_path, heartbeat_seconds=1, recover_every_seconds=1, retry_backoff_seconds=1, max_attempts=2
    )
    shared.push()
    try:
        # when the worker is killed during the first run and again during the retry
        _kill_while_running(shared, "w1")
        _kill_while_running(shared, "w2")
        # and a third worker starts
        third = shared.worker("w3")
        shared.wait_for(STATUS_SQL, expect=[("FAILED",)])
        shared.wait_for(BATCH_SQL, expect=[(ImportStatus.FAILED.value,)])
        assert shared.kill(third, signal.SIGTERM) == 0
    finally:
        shared.stop_all()
    shared.pull()
    # then the task failed as lost, after exactly 2 runs, and was not run a third time
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "FAILED"
    assert task.worker_ids == ["w1", "w2"]
    assert task.exception_class_path == "huifang.background.services.WorkerLost"
    assert list(TaskRecovery.objects.order_by("attempt").values_list("attempt", "action")) == [
        (1, RecoveryAction.RETRIED),
        (2, RecoveryAction.FAILED),
    ]
    # and the import batch failed with the reason, nothing imported
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "nothing was saved" in batch.error and "attempt 2 of 2" in batch.error
    assert RepairOrder.objects.count() == 0
    # and the administrator has one notification about it
    note = Notification.objects.get(user=admin)
    assert note.key == f"task-failed:{result.id}"
    assert "import_dms_task" in note.title


def test_sigterm_hands_the_running_task_back_and_the_worker_exits_cleanly(tmp_path, import_batch):
    # given a worker that lets a task finish for no longer than 0 seconds after SIGTERM
    batch, result, _admin = import_batch
    shared = SharedDatabase(tmp_path, heartbeat_seconds=1, recover_every_seconds=1)
    shared.push()
    try:
        worker = shared.worker("w1", "--grace", "0")
        shared.wait_for(STATUS_SQL, expect=[("RUNNING",)])
        # when it is asked to stop in the middle of the import
        code = shared.kill(worker, signal.SIGTERM)
    finally:
        shared.stop_all()
    shared.pull()
    # then it exited 0 without a traceback, and the task waits for another worker, no run counted
    assert code == 0
    assert "Traceback" not in (tmp_path / "w1.log").read_text()
    task = DBTaskResult.objects.get(pk=result.id)
    assert (task.status, task.worker_ids) == ("READY", [])
    assert TaskRecovery.objects.get().action == RecoveryAction.RELEASED
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PENDING
    assert RepairOrder.objects.count() == 0
    assert Heartbeat.objects.get(process_id="w1").stopped_at is not None


# --- the lease rules, without processes --------------------------------------------------------


def _running_task(worker_id: str, started_at):
    result = import_dms_task.enqueue(batch_id=999_999)
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=[worker_id], started_at=started_at)
    return result


def test_a_worker_on_another_host_holds_its_lease_while_its_heartbeat_is_fresh(db_tasks, settings):
    # given a worker on another machine that last beat 119 s ago (lease 120 s)
    settings.HUIFANG_TASK_LEASE_SECONDS = 120
    now = timezone.now()
    heartbeat_start(process_id="remote", kind=ProcessKind.WORKER)
    Heartbeat.objects.filter(process_id="remote").update(hostname="elsewhere", beat_at=now - timedelta(seconds=119))
    _running_task("remote", now - timedelta(hours=5))
    # when / then its long task is still its own
    assert orphans_find(now=now) == []
    # and 2 s later the lease has run out
    assert [o.worker_id for o in orphans_find(now=now + timedelta(seconds=2))] == ["remote"]


def test_a_task_of_a_worker_without_heartbeat_is_taken_back_after_two_hours(db_tasks):
    # given a task claimed by a stock worker (no heartbeat) 1 h 59 min ago
    now = timezone.now()
    result = _running_task("stock-worker", now - timedelta(hours=1, minutes=59))
    # when / then it is left alone, and taken back once it passes 2 hours
    assert tasks_recover(now=now) == {"retried": 0, "failed": 0}
    assert tasks_recover(now=now + timedelta(minutes=2)) == {"retried": 1, "failed": 0}
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "READY"
    assert task.run_after == now + timedelta(minutes=2, seconds=30)


def test_two_recoverers_take_a_task_back_once(db_tasks):
    # given a dead worker's task
    now = timezone.now()
    _running_task("gone", now - timedelta(hours=3))
    # when two sweeps run
    first, second = tasks_recover(now=now), tasks_recover(now=now)
    # then only the first acted
    assert (first, second) == ({"retried": 1, "failed": 0}, {"retried": 0, "failed": 0})
    assert TaskRecovery.objects.count() == 1


def test_an_import_batch_waits_again_when_its_task_is_retried(db_tasks, store):
    # given an import batch left running by a dead worker
    batch = ImportBatch.objects.create(store=store, filename="x.csv", status=ImportStatus.RUNNING)
    now = timezone.now()
    result = import_dms_task.enqueue(batch_id=batch.pk)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", worker_ids=["gone"], started_at=now - timedelta(hours=3)
    )
    # when
    tasks_recover(now=now)
    # then
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PENDING
