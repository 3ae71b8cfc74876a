from django.contrib import admin

from .models import ArchivePolicy, ImportBatch, ImportMapping, ImportPolicy


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


@admin.register(ImportPolicy)
class ImportPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "max_unpacked_mb", "max_compression_ratio", "max_rows", "max_columns", "max_cell_chars")
