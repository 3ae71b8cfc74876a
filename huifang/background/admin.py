from django.contrib import admin

from .models import Heartbeat, TaskRecovery


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("kind", "hostname", "pid", "started_at", "beat_at", "stopped_at", "current_task")
    list_filter = ("kind",)
    readonly_fields = [f.name for f in Heartbeat._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TaskRecovery)
class TaskRecoveryAdmin(admin.ModelAdmin):
    list_display = ("at", "task_path", "attempt", "action", "reason")
    list_filter = ("action", "task_path")
    search_fields = ("task_id", "task_path")
    readonly_fields = [f.name for f in TaskRecovery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
