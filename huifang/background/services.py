"""Leases of background work (后台任务租约): heartbeats, and taking back the tasks of dead workers.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a worker killed
by the OOM killer, a reboot or `kill -9` leaves it RUNNING for ever (django-tasks #46/#192). Here each
worker holds a lease on its task for as long as its heartbeat is fresh and (on its own host) its process
is alive. `tasks_recover` finds the tasks whose lease ran out and queues them again, up to
MAX_ATTEMPTS runs in all, then fails them and tells the administrators. The object a task works on (an
import batch, a group message) follows: a follower module sets it back to waiting, or to failed with
the reason (FOLLOWERS below).

Heartbeats and leases use the wall clock (`timezone.now()`): they are about processes, not business
time, so a replayed business clock (core.clock) does not move them.
"""

import importlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from . import defaults
from .choices import ProcessKind, RecoveryAction
from .models import Heartbeat, TaskRecovery

logger = logging.getLogger("huifang.background")

# Task path -> module with `task_retrying(*, kwargs, now)` and `task_failed(*, kwargs, reason, now)`
# (both return the store id of the object they changed, or None). Every task that claims a row with a
# status of its own must be here, or a retry finds that row claimed and does nothing.
FOLLOWERS: dict[str, str] = {
    "huifang.archive.tasks.import_dms_task": "huifang.archive.importing.recovery",
    "huifang.operations.tasks.send_campaign_task": "huifang.operations.recovery",
}


class WorkerLost(Exception):
    """The worker running a task stopped answering (killed, crashed or its machine went away)."""


def setting(name: str) -> int:
    """A lease setting: HUIFANG_TASK_<NAME> from the settings, else the named default."""
    return int(getattr(settings, f"HUIFANG_TASK_{name}", getattr(defaults, name)))


# --- heartbeats ----------------------------------------------------------------------------------


def _pid_start(pid: int) -> str:
    """The kernel's start time of a process (field 22 of /proc/<pid>/stat), "" where /proc is missing;
    "zombie" for a process that has exited but was not reaped yet."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = text.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return "zombie"
    return fields[19]


def process_alive(*, hostname: str, pid: int, pid_start: str) -> bool | None:
    """Whether the process of a heartbeat still runs: True/False when it ran on this host, None elsewhere."""
    if hostname != socket.gethostname():
        return None
    if pid_start:
        return _pid_start(pid) == pid_start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def heartbeat_start(*, process_id: str, kind: str) -> Heartbeat:
    """Register this process (a worker or the scheduler) with its first heartbeat."""
    now = timezone.now()
    pid = os.getpid()
    beat, _ = Heartbeat.objects.update_or_create(
        process_id=process_id,
        defaults={
            "kind": kind,
            "hostname": socket.gethostname()[:255],
            "pid": pid,
            "pid_start": _pid_start(pid),
            "started_at": now,
            "beat_at": now,
            "stopped_at": None,
            "current_task": "",
        },
    )
    return beat


def heartbeat_beat(*, process_id: str, current_task: str | None = None) -> int:
    """Renew this process's lease; returns 1 (0 if its row is gone)."""
    values: dict = {"beat_at": timezone.now()}
    if current_task is not None:
        values["current_task"] = current_task
    return Heartbeat.objects.filter(process_id=process_id).update(**values)


def heartbeat_stop(*, process_id: str) -> int:
    """Record a clean stop: the process holds no lease any more."""
    return Heartbeat.objects.filter(process_id=process_id).update(stopped_at=timezone.now(), current_task="")


def last_beat(*, kind: str) -> Heartbeat | None:
    """The most recent heartbeat of a live process of this kind (for the health page and the admin)."""
    return Heartbeat.objects.filter(kind=kind, stopped_at__isnull=True).order_by("-beat_at").first()


# --- taking back the tasks of dead workers -------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    task_id: str
    task_path: str
    args_kwargs: dict
    worker_id: str
    attempts: int
    started_at: datetime
    why: str


def _lost_reason(beat: Heartbeat | None, started_at: datetime | None, now: datetime) -> str:
    """Why the worker of a RUNNING task counts as dead, or "" while its lease holds."""
    if beat is None:
        if started_at is not None and started_at < now - timedelta(seconds=setting("UNLEASED_STALE_SECONDS")):
            return "running for longer than the limit without a heartbeat"
        return ""
    if beat.stopped_at is not None:
        return f"worker {beat.hostname}:{beat.pid} stopped at {beat.stopped_at.isoformat()} without finishing it"
    if process_alive(hostname=beat.hostname, pid=beat.pid, pid_start=beat.pid_start) is False:
        return f"worker process {beat.hostname}:{beat.pid} is gone"
    if beat.beat_at < now - timedelta(seconds=setting("LEASE_SECONDS")):
        return f"no heartbeat from worker {beat.hostname}:{beat.pid} since {beat.beat_at.isoformat()}"
    return ""


def orphans_find(*, now: datetime) -> list[Orphan]:
    """RUNNING tasks whose worker lost its lease (two queries; there are at most as many as workers)."""
    from django_tasks_db.models import DBTaskResult

    running = list(
        DBTaskResult.objects.filter(status="RUNNING").values_list(
            "id", "task_path", "args_kwargs", "worker_ids", "started_at"
        )
    )
    worker_of = {str(pk): (ids[-1] if ids else "") for pk, _path, _args, ids, _started in running}
    beats = {b.process_id: b for b in Heartbeat.objects.filter(process_id__in=set(worker_of.values()))}
    found = []
    for pk, path, args_kwargs, worker_ids, started_at in running:
        worker = worker_of[str(pk)]
        why = _lost_reason(beats.get(worker), started_at, now)
        if why:
            found.append(Orphan(str(pk), path, args_kwargs, worker, len(worker_ids or [1]), started_at, why))
    return found


def _follower(task_path: str):
    module = FOLLOWERS.get(task_path)
    return importlib.import_module(module) if module else None


def _notify_admins(*, recovery: TaskRecovery, store_id: int | None, now: datetime) -> int:
    from huifang.accounts.choices import Role
    from huifang.accounts.models import Store, User
    from huifang.notifications.services import notify

    admins = Q(is_superuser=True) | Q(memberships__role=Role.ADMIN, memberships__store__isnull=True)
    if store_id is not None:
        admins |= Q(memberships__role=Role.ADMIN, memberships__store_id=store_id)
    users = list(User.objects.filter(admins, is_active=True).distinct())
    name = recovery.task_path.rsplit(".", 1)[-1]
    return notify(
        users=users,
        store=Store.objects.filter(pk=store_id).first() if store_id else None,
        now=now,
        title=_("Background job failed: %(name)s") % {"name": name},
        body=_("Its worker stopped %(n)s times while running it; it was not retried again. %(reason)s")
        % {"n": recovery.attempt, "reason": recovery.reason},
        url=f"/admin/background/taskrecovery/{recovery.pk}/change/",
        key=f"task-failed:{recovery.task_id}",
    )


def task_take_back(*, orphan: Orphan, now: datetime, business_now: datetime) -> TaskRecovery | None:
    """Queue an orphaned task again (with backoff) or, after MAX_ATTEMPTS runs, fail it and tell the admins.

    A guarded update on (id, RUNNING, started_at) makes exactly one of several racing recoverers act."""
    from django_tasks_db.models import DBTaskResult

    max_attempts = setting("MAX_ATTEMPTS")
    give_up = orphan.attempts >= max_attempts
    reason = f"{orphan.why} (attempt {orphan.attempts} of {max_attempts})"
    follower = _follower(orphan.task_path)
    kwargs = (orphan.args_kwargs or {}).get("kwargs", {})
    with transaction.atomic():
        guard = DBTaskResult.objects.filter(pk=orphan.task_id, status="RUNNING", started_at=orphan.started_at)
        if give_up:
            changed = guard.update(
                status="FAILED",
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__qualname__}: {reason}\n",
                return_value=None,
            )
        else:
            delay = setting("RETRY_BACKOFF_SECONDS") * 2 ** (orphan.attempts - 1)
            changed = guard.update(status="READY", run_after=now + timedelta(seconds=delay))
        if changed != 1:
            return None
        try:
            with transaction.atomic():
                recovery = TaskRecovery.objects.create(
                    task_id=orphan.task_id,
                    task_path=orphan.task_path,
                    args_kwargs=orphan.args_kwargs or {},
                    process_id=orphan.worker_id,
                    attempt=orphan.attempts,
                    action=RecoveryAction.FAILED if give_up else RecoveryAction.RETRIED,
                    reason=reason,
                    at=now,
                )
        except IntegrityError:
            return None
        audit_record(
            obj=recovery,
            action=AuditAction.UPDATE,
            at=business_now,
            actor=None,
            source="system",
            changes={"task": orphan.task_path, "status": "FAILED" if give_up else "READY", "reason": reason},
        )
        store_id = None
        if follower is not None:
            if give_up:
                store_id = follower.task_failed(kwargs=kwargs, reason=reason, now=business_now)
            else:
                store_id = follower.task_retrying(kwargs=kwargs, now=business_now)
        if give_up:
            _notify_admins(recovery=recovery, store_id=store_id, now=business_now)
    logger.warning("task %s %s: %s", orphan.task_path, recovery.action, reason)
    return recovery


def tasks_recover(*, now: datetime | None = None, business_now: datetime | None = None) -> dict[str, int]:
    """Take back every task whose worker lost its lease; returns {"retried": n, "failed": n}."""
    from huifang.core import clock

    now = now or timezone.now()
    business_now = business_now or clock.now()
    counts = {RecoveryAction.RETRIED.value: 0, RecoveryAction.FAILED.value: 0}
    for orphan in orphans_find(now=now):
        recovery = task_take_back(orphan=orphan, now=now, business_now=business_now)
        if recovery is not None:
            counts[recovery.action] += 1
    # A worker that died holds nothing any more; say so on its heartbeat row (the admin's list reads it).
    for beat in Heartbeat.objects.filter(stopped_at__isnull=True, kind=ProcessKind.WORKER):
        if _lost_reason(beat, None, now):
            Heartbeat.objects.filter(pk=beat.pk, stopped_at__isnull=True).update(stopped_at=now)
    return counts


def task_release(*, task_id: str, worker_id: str, now: datetime, business_now: datetime) -> bool:
    """Hand a task back to the queue when its worker stops on request (SIGTERM) before it finished.

    The interrupted run does not count as an attempt: its transaction was rolled back, nothing went wrong."""
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.filter(pk=task_id, status="RUNNING").values_list("worker_ids", "task_path").first()
    if row is None:
        return False
    worker_ids, task_path = row
    kept = list(worker_ids or [])
    if kept and kept[-1] == worker_id:
        kept.pop()
    with transaction.atomic():
        changed = DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
            status="READY", worker_ids=kept, run_after=now
        )
        if changed != 1:
            return False
        args_kwargs = DBTaskResult.objects.filter(pk=task_id).values_list("args_kwargs", flat=True).first() or {}
        recovery = TaskRecovery.objects.create(
            task_id=task_id,
            task_path=task_path,
            args_kwargs=args_kwargs,
            process_id=worker_id,
            attempt=len(kept) + 1,
            action=RecoveryAction.RELEASED,
            reason="worker stopped on request (SIGTERM) before the task finished",
            at=now,
        )
        audit_record(
            obj=recovery,
            action=AuditAction.UPDATE,
            at=business_now,
            actor=None,
            source="system",
            changes={"task": task_path, "status": "READY", "reason": recovery.reason},
        )
        follower = _follower(task_path)
        if follower is not None:
            follower.task_retrying(kwargs=args_kwargs.get("kwargs", {}), now=business_now)
    return True
