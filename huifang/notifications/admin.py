from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "store", "title", "key", "read_at")
    list_filter = ("store", "read_at")
    search_fields = ("title", "key", "user__username")
    raw_id_fields = ("user", "store")
