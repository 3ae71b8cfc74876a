from django.contrib import admin

from .models import Benchmark, KpiTarget, PdcaEntry, RecordingAudit, ReportPolicy


@admin.register(ReportPolicy)
class ReportPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "tolerance_points", "implausible_seconds", "implausible_count", "audit_sample_size")


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("store", "kpi", "target", "direction")
    list_filter = ("store", "kpi")


@admin.register(PdcaEntry)
class PdcaEntryAdmin(admin.ModelAdmin):
    list_display = ("store", "month", "kpi", "owner", "completion_date", "updated_at")
    list_filter = ("store", "kpi")


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ("store", "region", "month", "code", "current_score", "region_average", "national_average")
    list_filter = ("month",)


@admin.register(RecordingAudit)
class RecordingAuditAdmin(admin.ModelAdmin):
    list_display = ("store", "month", "specialist", "call", "score", "auditor", "audited_at")
    list_filter = ("store", "month")
    raw_id_fields = ("call",)
