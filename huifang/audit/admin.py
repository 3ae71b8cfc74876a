from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services, never edited."""

    list_display = ("at", "store", "actor", "source", "action", "object_repr")
    list_filter = ("action", "store")
    search_fields = ("object_repr",)

    def has_view_permission(self, request, obj=None):
        # The trail crosses every store and holds personal data: superusers only.
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
