"""The page's CSRF token is masked by core/csrf_token.py with one CSPRNG draw: Django's format, verified by
Django's middleware, fresh for every response."""

import re

import pytest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, _get_new_csrf_string, _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from huifang.core.csrf_token import masked_token

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def test_a_masked_token_unmasks_to_its_secret():
    secret = _get_new_csrf_string()
    tokens = {masked_token(secret) for _ in range(50)}
    assert len(tokens) == 50  # a new mask every time
    for token in tokens:
        assert len(token) == 2 * CSRF_SECRET_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret


def test_every_mask_character_takes_every_value():
    secret = "a" * CSRF_SECRET_LENGTH
    masks = [masked_token(secret)[:CSRF_SECRET_LENGTH] for _ in range(2000)]
    for position in (0, CSRF_SECRET_LENGTH // 2, CSRF_SECRET_LENGTH - 1):
        assert {mask[position] for mask in masks} == set(CSRF_ALLOWED_CHARS)


def test_the_pages_token_passes_djangos_check_and_a_forged_one_does_not(specialist):
    client = Client(enforce_csrf_checks=True)
    client.force_login(specialist)
    first = client.get(reverse("workbench:queue"))
    page = first.content.decode()
    tokens = TOKEN.findall(page)
    assert tokens and len(set(tokens)) == 1  # one token per response, in each form of the page
    assert f'"X-CSRFToken": "{tokens[0]}"' in page
    again = client.get(reverse("workbench:queue"))  # the cookie is now known: the masking here makes the token
    assert "csrftoken" in again.cookies  # and the cookie is sent again (its expiry renewed), as Django does
    second = TOKEN.findall(again.content.decode())[0]
    assert second != tokens[0]  # never the same token in two responses
    posted = {"language": "en", "next": "/", "csrfmiddlewaretoken": second}
    assert client.post(reverse("set_language"), posted).status_code == 302
    forged = "x" * 64
    assert client.post(reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": forged}).status_code == 403


def test_a_first_visit_gets_its_secret_from_django():
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("login"))
    token = TOKEN.findall(response.content.decode())[0]
    assert _unmask_cipher_token(token) == response.cookies["csrftoken"].value
