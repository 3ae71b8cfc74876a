from django.contrib import admin

from .models import ContactAttempt, FollowUpRule, FollowUpTask


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ("store", "kind", "name", "enabled", "channel", "owner_rule", "lead_days", "window_hours", "offsets")
    list_filter = ("store", "kind", "enabled", "channel")


class ContactAttemptInline(admin.TabularInline):
    model = ContactAttempt
    extra = 0
    readonly_fields = ("at", "outcome", "note", "relation", "best_time", "callback_at", "actor")
    can_delete = False


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "kind", "subject", "occurrence_key", "due_at", "window_end", "status", "assigned_to")
    list_filter = ("store", "kind", "status")
    raw_id_fields = ("customer", "vehicle", "repair_order", "assigned_to", "rule")
    inlines = [ContactAttemptInline]
