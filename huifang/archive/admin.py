from django.contrib import admin

from .models import ArchivePolicy, ImportBatch, ImportMapping


@admin.register(ArchivePolicy)
class ArchivePolicyAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "maintenance_interval_km",
        "maintenance_interval_months",
        "dormant_after_months",
        "lost_after_months",
        "first_service_lost_months",
        "high_amount_rmb",
    )


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("store", "name", "updated_at")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "filename", "dry_run", "status", "rows_total", "rows_rejected", "created_at")
    list_filter = ("store", "status", "dry_run")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
