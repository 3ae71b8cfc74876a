from django.contrib import admin

from .models import DataRightsRequest, PrivacyPolicy


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "retention_years")


@admin.register(DataRightsRequest)
class DataRightsRequestAdmin(admin.ModelAdmin):
    list_display = ("at", "store", "kind", "customer_id", "actor")
    list_filter = ("kind", "store")
    # The log of data-rights actions is evidence: read-only here.
    readonly_fields = ("store", "customer", "kind", "reason", "at", "actor", "counts")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
