from django.contrib import admin

from .models import Complaint, ComplaintAttachment, ComplaintEvent, ComplaintFollowUp, ComplaintPolicy, ComplaintReason


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "clock", "first_contact_hours", "level1_hours", "level2_hours", "level3_hours")
    list_filter = ("clock",)


@admin.register(ComplaintReason)
class ComplaintReasonAdmin(admin.ModelAdmin):
    list_display = ("store", "category", "name", "active", "position")
    list_filter = ("store", "category", "active")


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    readonly_fields = ("at", "kind", "actor", "from_status", "to_status", "level", "note", "key")
    can_delete = False


class ComplaintAttachmentInline(admin.TabularInline):
    model = ComplaintAttachment
    extra = 0
    readonly_fields = ("name", "content_type", "size", "uploaded_at", "uploaded_by")


class ComplaintFollowUpInline(admin.TabularInline):
    model = ComplaintFollowUp
    extra = 0
    readonly_fields = ("round", "task", "satisfied", "answered_at", "note")
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: complaints change through the app's services, which record events and the audit trail."""

    list_display = (
        "number",
        "store",
        "customer_name",
        "channel",
        "category",
        "status",
        "level",
        "is_major",
        "received_at",
        "level_due_at",
        "owner",
    )
    list_filter = ("store", "status", "level", "category", "channel", "is_major")
    search_fields = ("number", "external_case_no", "customer_name", "plate", "vin")
    raw_id_fields = ("customer", "vehicle", "repair_order", "owner", "created_by", "reason")
    readonly_fields = ("number", "received_at", "first_contact_due", "level_due_at", "major_reasons")
    inlines = [ComplaintEventInline, ComplaintAttachmentInline, ComplaintFollowUpInline]
