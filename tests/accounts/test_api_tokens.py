"""API tokens: created by a command that shows the key once, checked as `Authorization: Bearer`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from huifang.accounts.models import ApiToken
from huifang.accounts.services import api_token_create, api_token_revoke

from ..factories import CustomerFactory

URL = "/api/archive/customers"


def _create(username: str, name: str = "呼叫中心") -> str:
    out = StringIO()
    call_command("create_api_token", username, "--name", name, stdout=out)
    return out.getvalue().splitlines()[0]


def test_command_prints_the_token_once_and_stores_only_its_hash(specialist):
    # when
    key = _create("specialist")
    # then
    token = ApiToken.objects.get()
    assert key.startswith("hf_")
    assert token.user == specialist
    assert token.name == "呼叫中心"
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in {token.key_hash, token.prefix, token.name}
    assert token.prefix == key[:8]


def test_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        _create("nobody")


def test_bearer_token_reads_the_users_stores(client, specialist, store):
    # given
    CustomerFactory(store=store, name="王五")
    key = _create("specialist")
    # when
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}")
    # then
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["items"]] == ["王五"]
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_gets_401(client, specialist):
    token, key = api_token_create(user=specialist, name="old phone system")
    api_token_revoke(token=token)
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


@pytest.mark.parametrize("header", ["Bearer hf_not-a-real-token", "Bearer ", "Token abc", ""])
def test_wrong_or_missing_token_gets_401(client, specialist, header):
    api_token_create(user=specialist, name="ok")
    assert client.get(URL, HTTP_AUTHORIZATION=header).status_code == 401


def test_token_of_a_deactivated_user_gets_401(client, specialist):
    _, key = api_token_create(user=specialist, name="ok")
    specialist.is_active = False
    specialist.save()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_bearer_post_needs_no_csrf_token(client, specialist, store):
    # given a client that enforces CSRF like a browser would
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    customer = CustomerFactory(store=store, mobile="+8613812345678")
    _, key = api_token_create(user=specialist, name="ok")
    # when
    response = strict.post(
        f"/api/archive/customers/{customer.pk}/reveal-phone",
        {"field": "mobile"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    # then
    assert response.status_code == 200
    assert response.json()["number"] == "138 1234 5678"


def test_session_post_without_csrf_token_is_refused(specialist, store):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(specialist)
    customer = CustomerFactory(store=store)
    response = strict.post(
        f"/api/archive/customers/{customer.pk}/reveal-phone", {"field": "mobile"}, content_type="application/json"
    )
    assert response.status_code == 403
