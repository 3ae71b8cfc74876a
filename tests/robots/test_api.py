"""The robot API: settings read (masked) and changed (write-only secrets), the test message, roles and stores."""

import pytest

from huifang.robots import sealing
from huifang.robots.models import RobotSettings

from .conftest import DINGTALK_SECRET, DINGTALK_TOKEN

pytestmark = pytest.mark.django_db


def path(store, tail=""):
    return f"/api/robots/stores/{store.code}/{tail}"


def test_read_change_and_test_through_the_api(client, store, director, dingtalk, frozen_clock):
    client.force_login(director)
    body = client.get(path(store)).json()
    assert body["enabled"] is False and body["webhook"] == "" and body["secret_set"] is False
    # when the director turns the robot on with webhook and secret
    response = client.put(
        path(store),
        {
            "enabled": True,
            "platform": "dingtalk",
            "webhook": dingtalk.webhook(DINGTALK_TOKEN),
            "secret": DINGTALK_SECRET,
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # then the answer masks the webhook and only says a secret is stored
    assert body["enabled"] is True and body["secret_set"] is True
    assert DINGTALK_TOKEN not in body["webhook"] and DINGTALK_SECRET not in response.content.decode()
    # a partial change keeps the rest
    response = client.put(path(store), {"post_hot": False, "brief_time": "09:15"}, content_type="application/json")
    robot = RobotSettings.objects.get(store=store)
    assert response.json()["brief_time"] == "09:15:00" and not robot.post_hot and robot.enabled
    assert sealing.unseal(robot.secret_sealed) == DINGTALK_SECRET
    # and the test message reaches the fake group
    response = client.post(path(store, "test"))
    assert response.json() == {"status": "sent", "reason": ""}
    assert len(dingtalk.received) == 1


def test_a_bad_webhook_is_422_naming_the_field(client, store, manager, dingtalk):
    client.force_login(manager)
    response = client.put(
        path(store),
        {"enabled": True, "platform": "dingtalk", "webhook": "https://example.com/x?access_token=12345678"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "webhook"]
    assert not RobotSettings.objects.filter(store=store, enabled=True).exists()


def test_roles_and_stores(client, store, other_store, specialist, manager):
    client.force_login(specialist)
    assert client.get(path(store)).status_code == 403
    client.force_login(manager)
    assert client.get(path(other_store)).status_code == 404
    assert client.post(path(store, "test")).status_code == 422  # nothing set up yet: says which field
