from django.contrib import admin

from .models import StoreCalendar, StoreDay


@admin.register(StoreCalendar)
class StoreCalendarAdmin(admin.ModelAdmin):
    list_display = ("store", "follow_official_holidays")


@admin.register(StoreDay)
class StoreDayAdmin(admin.ModelAdmin):
    list_display = ("store", "day", "is_open", "opens", "closes", "note")
    list_filter = ("store", "is_open")
