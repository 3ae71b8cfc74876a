from django.contrib import admin

from .models import SurveyLink, SurveyPolicy


@admin.register(SurveyPolicy)
class SurveyPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "chain_enabled", "link_valid_days", "email_after_days", "hot_total_below")


@admin.register(SurveyLink)
class SurveyLinkAdmin(admin.ModelAdmin):
    list_display = ("store", "task", "created_at", "expires_at", "sms_at", "email_at", "answered_at")
    list_filter = ("store",)
    raw_id_fields = ("task", "customer", "sms_message", "email_message", "call")
    exclude = ("nonce",)
