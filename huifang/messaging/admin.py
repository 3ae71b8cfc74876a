from django.contrib import admin

from .models import ChannelOptOut, ConsentRecord, MessageTemplate, MessagingPolicy, OutboxMessage


@admin.register(MessagingPolicy)
class MessagingPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "quiet_hours", "marketing_cap_count", "marketing_cap_days", "max_attempts")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("store", "kind", "channel", "purpose", "active")
    list_filter = ("kind", "channel", "purpose", "active")


@admin.register(ChannelOptOut)
class ChannelOptOutAdmin(admin.ModelAdmin):
    list_display = ("customer", "channel", "purpose", "source", "at")
    list_filter = ("channel", "purpose", "source")
    raw_id_fields = ("customer",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("pk", "store", "channel", "purpose", "status", "attempts", "not_before", "sent_at")
    list_filter = ("status", "channel", "purpose")
    raw_id_fields = ("customer", "template")
    readonly_fields = ("enqueued_at", "provider_message_id", "last_error")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    """Read-only: consent history is append-only and written through consent.consent_record."""

    list_display = ("pk", "customer", "channel", "purpose", "state", "source", "at", "recorded_by")
    list_filter = ("channel", "purpose", "state", "source")
    raw_id_fields = ("customer",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
