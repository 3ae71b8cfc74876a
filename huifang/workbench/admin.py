from django.contrib import admin

from .models import Answer, CallPolicy, CallRecord, CallScript, Problem, Question, Questionnaire


@admin.register(CallPolicy)
class CallPolicyAdmin(admin.ModelAdmin):
    list_display = ("store", "low_overall_score", "low_overall_action", "no_return_action", "low_item_score")


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    readonly_fields = ("position", "code", "text", "kind", "weight", "required")
    can_delete = False


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """Versions are published through the workbench settings (a new version per change), never edited here."""

    list_display = ("store", "version", "is_current", "note", "created_at", "created_by")
    list_filter = ("store", "is_current")
    readonly_fields = ("store", "version", "is_current", "note", "created_at", "created_by")
    inlines = [QuestionInline]


@admin.register(CallScript)
class CallScriptAdmin(admin.ModelAdmin):
    list_display = ("store", "kind", "scenario", "updated_at")
    list_filter = ("store", "kind", "scenario")


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    readonly_fields = ("question", "value", "text")
    can_delete = False


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "ended_at", "outcome", "score", "caller", "advisor_name", "complaint")
    list_filter = ("store", "outcome")
    raw_id_fields = ("task", "attempt", "customer", "vehicle", "repair_order", "advisor", "caller", "complaint")
    readonly_fields = ("questionnaire", "score", "issue_reasons")
    inlines = [AnswerInline]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("id", "store", "customer", "assigned_to", "status", "created_at", "resolved_at")
    list_filter = ("store", "status")
    raw_id_fields = ("call", "customer", "repair_order", "assigned_to")
