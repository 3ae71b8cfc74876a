from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store

from . import defaults


class StoreCalendar(models.Model):
    """A store's opening days and hours per weekday (营业时间); official holidays apply on top."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="calendar")
    # Monday first, seven entries: ["08:30", "17:30"] or null (closed that weekday).
    weekly_hours = models.JSONField(_("opening hours per weekday"), default=defaults.weekly_hours)
    follow_official_holidays = models.BooleanField(
        _("closed on official holidays, open on make-up workdays"), default=defaults.FOLLOW_OFFICIAL_HOLIDAYS
    )

    class Meta:
        verbose_name = _("store calendar")
        verbose_name_plural = _("store calendars")

    def __str__(self) -> str:
        return str(self.store)


class StoreDay(models.Model):
    """The store's own entry for one date (门店节假日): closed, or open with these hours, over the weekly hours
    and the official holidays (e.g. a newly published make-up workday, or open during National Day)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="calendar_days")
    day = models.DateField(_("date"))
    is_open = models.BooleanField(_("open"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("store day")
        verbose_name_plural = _("store days")
        ordering = ["store", "day"]
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="store_day_unique"),
            models.CheckConstraint(
                name="store_day_open_has_hours",
                condition=models.Q(is_open=False)
                | models.Q(opens__isnull=False, closes__isnull=False, closes__gt=models.F("opens")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.day}"
