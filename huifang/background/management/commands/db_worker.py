from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as StockCommand
from django_tasks_db.management.commands.db_worker import logger as stock_logger

from huifang.background.services import setting
from huifang.background.worker import LeasedWorker


class Command(StockCommand):
    help = (
        "Run a background worker that holds a lease on its task (heartbeat), takes back the tasks of dead "
        "workers and stops cleanly on SIGTERM; never reloads unless --reload is given."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # The stock worker reloads on code changes whenever DEBUG is on, which kills a running task.
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds a running task may finish after SIGTERM before it is handed back (default: setting)",
        )

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        grace=None,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload:
            raise CommandError("--reload is not supported by the leased worker: restart it after a code change")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = LeasedWorker(
            grace=setting("SHUTDOWN_GRACE_SECONDS") if grace is None else grace,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
        stock_logger.info("worker %s: %s tasks run", worker_id, worker._run_tasks)
