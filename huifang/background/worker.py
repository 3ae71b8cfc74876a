"""The database worker with a lease: django-tasks-db's worker plus a heartbeat, recovery and a clean stop.

- A thread beside the task renews the worker's heartbeat every HEARTBEAT_SECONDS and, every
  RECOVER_EVERY_SECONDS, takes back the tasks of workers that died (background.services.tasks_recover).
- SIGTERM/SIGINT: no new task is claimed; the running one may finish within SHUTDOWN_GRACE_SECONDS,
  otherwise (or on a second signal) it is interrupted, its transaction rolls back and it is handed back to
  the queue. The process exits 0 without a traceback; the heartbeat row records the stop.
"""

import logging
import signal
import threading
from types import FrameType

from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from huifang.core import clock

from .choices import ProcessKind
from .services import heartbeat_beat, heartbeat_start, heartbeat_stop, setting, task_release, tasks_recover

logger = logging.getLogger("huifang.background")


class WorkerStopping(BaseException):  # noqa: N818 (a stop request, like KeyboardInterrupt, not an error)
    """Raised inside the running task when the worker must stop before the task has finished."""

    # The running task goes back to the queue: whatever it tracks (an import batch) waits for the next run.
    hands_task_back = True


class LeasedWorker(Worker):
    def __init__(self, *, grace: float, **kwargs):
        super().__init__(**kwargs)
        self.grace = grace
        self.current: DBTaskResult | None = None
        self._stop_beating = threading.Event()
        self._beater: threading.Thread | None = None

    # --- heartbeat thread ----------------------------------------------------------------------

    def _beat_loop(self) -> None:
        every = setting("HEARTBEAT_SECONDS")
        recover_every = setting("RECOVER_EVERY_SECONDS")
        since_recover = recover_every  # look for orphans right at start (a restarted worker's own task)
        while not self._stop_beating.is_set():
            try:
                current = str(self.current.id) if self.current is not None else ""
                heartbeat_beat(process_id=self.worker_id, current_task=current)
                if since_recover >= recover_every:
                    since_recover = 0
                    tasks_recover()
            except Exception:
                # A locked SQLite database or a dropped connection: try again at the next beat.
                logger.warning("heartbeat of worker %s failed; retrying", self.worker_id, exc_info=True)
                close_old_connections()
            since_recover += every
            self._stop_beating.wait(every)
        connections.close_all()

    # --- signals -------------------------------------------------------------------------------

    def configure_signals(self) -> None:
        super().configure_signals()
        signal.signal(signal.SIGALRM, self._grace_over)

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running_task:
            # Between tasks (or asleep, at most `--interval`): the loop ends before claiming another.
            logger.info("Received %s - stopping.", signal.strsignal(signum))
            self.running = False
            return
        if not self.running:
            logger.info("Received %s again - handing the current task back.", signal.strsignal(signum))
            raise WorkerStopping
        logger.info(
            "Received %s - finishing the current task (up to %ss), then stopping.",
            signal.strsignal(signum),
            self.grace,
        )
        self.running = False
        signal.setitimer(signal.ITIMER_REAL, max(self.grace, 0.001))

    def _grace_over(self, signum: int, frame: FrameType | None) -> None:
        if self.running_task:
            raise WorkerStopping

    # --- running -------------------------------------------------------------------------------

    def run(self) -> None:
        heartbeat_start(process_id=self.worker_id, kind=ProcessKind.WORKER)
        self._beater = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        self._beater.start()
        try:
            super().run()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self._stop_beating.set()
            self._beater.join(timeout=30)
            close_old_connections()
            heartbeat_stop(process_id=self.worker_id)
            logger.info("Worker %s stopped.", self.worker_id)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run one task (as django-tasks-db does), handing it back when the worker is asked to stop."""
        self.current = db_task_result
        self.running_task = True
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                value = task.call(TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except WorkerStopping:
            self.running_task = False
            # The interrupted query may have left the connection unusable; the next use opens a new one.
            connections.close_all()
            task_release(
                task_id=str(db_task_result.id),
                worker_id=self.worker_id,
                now=timezone.now(),
                business_now=clock.now(),
            )
            logger.info("Task %s handed back to the queue.", db_task_result.id)
        except Exception as exc:
            self.running_task = False
            db_task_result.set_failed(exc)
            try:
                task_finished.send(
                    sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result
                )
            except Exception:
                logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.running_task = False
            self.current = None
            self._run_tasks += 1
