"""Leases of background work: how a dead worker is noticed and what happens to its task.

These are deployment settings (HUIFANG_TASK_* environment variables, read in huifang/settings.py) with the
values below as defaults. Issue 16 §4: a task whose worker died is noticed within minutes, retried a bounded
number of times, then failed with a notification to the administrators.
"""

# A worker writes its heartbeat this often (seconds), from a thread beside the task it runs.
HEARTBEAT_SECONDS = 10
# A worker whose heartbeat is older than this (seconds) has lost its lease: its running task is taken back.
# Two minutes, not seconds: on SQLite a long import write holds the database lock and the heartbeat waits
# behind it (the 100,000-order import writes for well under a minute, bench/README.md). On the worker's own
# host a dead process is noticed at once by its process id, without waiting for the lease to run out.
LEASE_SECONDS = 120
# Runs of one task (the first included) before it is failed for good; every task is idempotent.
MAX_ATTEMPTS = 3
# Wait before a retry: this many seconds, doubled for each further attempt (30 s, 60 s ...).
RETRY_BACKOFF_SECONDS = 30
# On SIGTERM a worker lets its task finish for this long (seconds), then releases it for another worker.
SHUTDOWN_GRACE_SECONDS = 20
# Every worker looks for tasks of dead workers this often (seconds), besides the scheduled sweep.
RECOVER_EVERY_SECONDS = 30
# A task claimed by a worker that never wrote a heartbeat (the stock `db_worker` of django-tasks-db, e.g.
# an older deployment) is taken back only after this long (seconds): two hours, the previous reaper's limit.
UNLEASED_STALE_SECONDS = 2 * 3600
