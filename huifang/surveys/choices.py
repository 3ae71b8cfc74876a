from django.db import models
from django.utils.translation import gettext_lazy as _


class LinkState(models.TextChoices):
    """What a customer opening a survey link finds (and what staff see on the task)."""

    OPEN = "open", _("Waiting for the answer")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    INVALID = "invalid", _("Invalid link")
