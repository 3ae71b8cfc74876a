"""Absolute addresses for links that leave the site (SMS, e-mail): the public base is settings.SITE_URL."""

from django.conf import settings


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
