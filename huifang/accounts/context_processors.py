from django.conf import settings


def demo_mode(request):
    """Whether this process runs the demo (`make run`); read from settings, so it costs no query."""
    if not settings.DEMO_MODE:
        return {}
    return {"demo_mode": True, "demo_password": settings.DEMO_PASSWORD}
