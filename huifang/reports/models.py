from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Region, Store
from huifang.workbench.models import CallRecord

from . import defaults
from .choices import Direction, Kpi


class ReportPolicy(models.Model):
    """A store's report settings: PDCA tolerance, implausible-call thresholds, audit sample size."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="report_policy")
    tolerance_points = models.DecimalField(
        _("needs improvement within (points below target)"),
        max_digits=5,
        decimal_places=2,
        default=defaults.TOLERANCE_POINTS,
    )
    implausible_seconds = models.PositiveIntegerField(
        _("satisfied calls shorter than (s) are suspicious"), default=defaults.IMPLAUSIBLE_SECONDS
    )
    implausible_count = models.PositiveSmallIntegerField(
        _("flag from this many short satisfied calls a day"), default=defaults.IMPLAUSIBLE_COUNT
    )
    audit_sample_size = models.PositiveSmallIntegerField(
        _("recordings sampled per specialist and month"), default=defaults.AUDIT_SAMPLE_SIZE
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return str(self.store)


class KpiTarget(models.Model):
    """A store's target for one KPI (PDCA 目标值)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="kpi_targets")
    kpi = models.CharField(_("KPI"), max_length=30, choices=Kpi.choices)
    target = models.DecimalField(_("target"), max_digits=6, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["store", "kpi"]
        constraints = [models.UniqueConstraint(fields=["store", "kpi"], name="kpi_target_unique")]

    def __str__(self) -> str:
        return f"{self.store} · {self.kpi} · {self.target}"


class PdcaEntry(models.Model):
    """One line of the seed 004 PDCA sheet: a KPI's cause analysis, measures, owner and completion date."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="pdca_entries")
    month = models.DateField(_("month"))  # the first day
    kpi = models.CharField(_("KPI"), max_length=30, choices=Kpi.choices)
    cause_analysis = models.TextField(_("cause analysis (问题分析)"), blank=True)
    measures = models.TextField(_("measures (措施)"), blank=True)
    owner = models.CharField(_("owner (负责人)"), max_length=50, blank=True)
    completion_date = models.DateField(_("completion date (完成日期)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("PDCA entry")
        verbose_name_plural = _("PDCA entries")
        ordering = ["store", "-month", "kpi"]
        constraints = [models.UniqueConstraint(fields=["store", "month", "kpi"], name="pdca_entry_unique")]

    def __str__(self) -> str:
        return f"{self.store} · {self.month:%Y-%m} · {self.kpi}"


class Benchmark(models.Model):
    """Imported CSS figures of the manufacturer's survey (seed 002 table): a store's or a region's
    previous/current score and the region and national averages, per month and CSS item ("total" = CSS分数)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="benchmarks")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="benchmarks")
    month = models.DateField(_("month"))
    code = models.CharField(_("CSS item"), max_length=30)
    previous_score = models.DecimalField(_("previous period (上期)"), max_digits=5, decimal_places=2, null=True)
    current_score = models.DecimalField(_("this period (本期)"), max_digits=5, decimal_places=2, null=True)
    region_average = models.DecimalField(_("region average (RBO)"), max_digits=5, decimal_places=2, null=True)
    national_average = models.DecimalField(_("national average"), max_digits=5, decimal_places=2, null=True)
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("CSS benchmark")
        verbose_name_plural = _("CSS benchmarks")
        ordering = ["month", "code"]
        constraints = [
            models.CheckConstraint(
                name="benchmark_store_or_region",
                condition=Q(store__isnull=False, region__isnull=True) | Q(store__isnull=True, region__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["store", "month", "code"], condition=Q(store__isnull=False), name="benchmark_store_unique"
            ),
            models.UniqueConstraint(
                fields=["region", "month", "code"], condition=Q(region__isnull=False), name="benchmark_region_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store or self.region} · {self.month:%Y-%m} · {self.code}"


class RecordingAudit(models.Model):
    """A sampled call recording the care director scores (seed 003: 每月对回访录音进行抽查)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="recording_audits")
    call = models.OneToOneField(CallRecord, on_delete=models.CASCADE, related_name="audit")
    month = models.DateField(_("month"))
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="recording_audits"
    )
    sampled_at = models.DateTimeField(_("sampled"))
    score = models.PositiveSmallIntegerField(_("audit score (0–100)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    audited_at = models.DateTimeField(_("audited"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording audit")
        verbose_name_plural = _("recording audits")
        ordering = ["store", "-month", "specialist", "pk"]
        indexes = [models.Index(fields=["store", "month"])]

    def __str__(self) -> str:
        return f"{self.call} · {self.score if self.score is not None else '—'}"
