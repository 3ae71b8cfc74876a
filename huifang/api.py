"""The JSON API (django-ninja): OpenAPI schema at /api/openapi.json, docs at /api/docs."""

from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from huifang.accounts.models import ApiToken
from huifang.core.api_errors import InvalidInput, invalid_input_handler


class BearerToken(HttpBearer):
    """`Authorization: Bearer hf_…` for phone systems and other clients."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="Huifang API",
    version="1.0",
    description=(
        "回访 Huifang — after-sales customer care. Every call is scoped to the caller's stores: another "
        "store's record answers 404, a role without the right answers 403. Phone numbers are masked "
        "(138****5678) in every read; revealing one is a separate, logged call. Authenticate with the "
        "browser session or `Authorization: Bearer <token>` (`python manage.py create_api_token USER --name NAME`)."
    ),
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
)

api.add_exception_handler(InvalidInput, invalid_input_handler(api))

api.add_router("/archive/", "huifang.archive.api.router")
api.add_router("/workbench/", "huifang.workbench.api.router")
api.add_router("/complaints/", "huifang.complaints.api.router")
api.add_router("/notifications/", "huifang.notifications.api.router")
api.add_router("/operations/", "huifang.operations.api.router")
api.add_router("/reports/", "huifang.reports.api.router")
api.add_router("/surveys/", "huifang.surveys.api.router")
api.add_router("/privacy/", "huifang.privacy.api.router")
api.add_router("/messaging/", "huifang.messaging.api.router")
api.add_router("/appointments/", "huifang.appointments.api.router")
api.add_router("/robots/", "huifang.robots.api.router")
