from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from huifang.core import clock
from huifang.core.health import health_report


@never_cache
@require_GET
def health(request):
    """For monitoring, without login: database, worker and scheduler; 200 when all are well, else 503."""
    report = health_report(now=clock.now())
    return JsonResponse(report, status=200 if report["ok"] else 503)
