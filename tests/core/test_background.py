from datetime import date

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from huifang.archive.tasks import refresh_vehicle_figures_task
from huifang.schedule import SCHEDULE

from ..factories import RepairOrderFactory


# The worker closes its database connection between tasks, so this test cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_scheduler_once_enqueues_every_job_and_the_worker_runs_them(settings, store):
    # given the database task backend and a vehicle whose figures were never computed
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    order = RepairOrderFactory(vehicle__customer__store=store)
    # when the scheduler enqueues and one worker drains the queue
    call_command("run_scheduler", "--once")
    assert DBTaskResult.objects.count() == len(SCHEDULE)
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    # then every job succeeded and the vehicle has its figures
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    order.vehicle.refresh_from_db()
    assert order.vehicle.last_visit_at == order.opened_at


@pytest.mark.django_db
def test_figures_task_is_safe_to_run_twice(settings, store):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    order = RepairOrderFactory(vehicle__customer__store=store)
    first = refresh_vehicle_figures_task.enqueue(store_id=store.pk).return_value
    second = refresh_vehicle_figures_task.enqueue(store_id=store.pk).return_value
    order.vehicle.refresh_from_db()
    assert first == second == 1
    assert order.vehicle.next_maintenance_date is not None
    assert order.vehicle.next_maintenance_date > date(2000, 1, 1)


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(client, settings, specialist):
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.post("/login/", {"username": "specialist", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    response = client.post("/login/", {"username": "specialist", "password": "test-pass-123"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
