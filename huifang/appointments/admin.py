from django.contrib import admin

from .models import Appointment, AppointmentEvent, AppointmentPolicy


@admin.register(AppointmentPolicy)
class AppointmentPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "slot_minutes", "slot_capacity", "day_start", "day_end", "open_weekdays")


class EventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    readonly_fields = ("at", "kind", "actor", "by_customer", "reason", "detail")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "store", "customer", "service", "status", "source")
    list_filter = ("store", "status", "service")
    raw_id_fields = ("customer", "vehicle", "advisor", "task", "complaint", "repair_order", "no_show_task")
    inlines = [EventInline]
