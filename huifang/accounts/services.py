"""Writes to accounts: API tokens (only their hash is stored)."""

from django.db import transaction

from .models import ApiToken, User


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `user`; the plain key is returned once and never stored."""
    if not name.strip():
        raise ValueError("a token needs a name")
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip(), key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token: every later request with it answers 401."""
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    token.refresh_from_db()
    return token
