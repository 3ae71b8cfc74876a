from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.complaints.models import Complaint
from huifang.core.choice_labels import display
from huifang.followups import defaults as followup_defaults
from huifang.followups.choices import RuleKind
from huifang.followups.models import ContactAttempt, FollowUpTask

from . import defaults
from .choices import CallChannel, CallOutcome, IssueAction, ProblemStatus, QuestionKind, ScriptScenario


class CallPolicy(models.Model):
    """A store's rules for turning call answers into complaints or problem records (per-dealer rule, brief §4)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="call_policy")
    # The overall-satisfaction question at or below this score (1–10 scale) opens `low_overall_action`.
    low_overall_score = models.PositiveSmallIntegerField(
        _("overall score at or below"), default=defaults.LOW_OVERALL_SCORE
    )
    low_overall_action = models.CharField(
        _("then"), max_length=10, choices=IssueAction.choices, default=IssueAction.COMPLAINT
    )
    # A "no" to "would you come back / recommend us".
    no_return_action = models.CharField(
        _("a no to 'would you come back'"), max_length=10, choices=IssueAction.choices, default=IssueAction.COMPLAINT
    )
    # Any other scored question at or below this score (1–10 scale) opens `low_item_action`.
    low_item_score = models.PositiveSmallIntegerField(_("any question at or below"), default=defaults.LOW_ITEM_SCORE)
    low_item_action = models.CharField(
        _("then"), max_length=10, choices=IssueAction.choices, default=IssueAction.PROBLEM
    )
    # Issue 14 §3: failed call attempts spread over time (重拨间隔); defaults in followups/defaults.py.
    retry_first_hours = models.PositiveSmallIntegerField(
        _("after the first failed attempt, call again after (h)"), default=followup_defaults.RETRY_FIRST_HOURS
    )
    retry_later_days = models.PositiveSmallIntegerField(
        _("after the second and later ones, call again after (days)"), default=followup_defaults.RETRY_LATER_DAYS
    )
    retry_times = models.CharField(
        _("at one of these times of day"), max_length=100, default=followup_defaults.RETRY_TIMES
    )
    retry_other_time_hours = models.PositiveSmallIntegerField(
        _("another time of day: at least (h) from earlier attempts"),
        default=followup_defaults.RETRY_OTHER_TIME_HOURS,
    )
    unreachable_min_hours = models.PositiveSmallIntegerField(
        _("never unreachable within (h) of the first attempt"), default=followup_defaults.UNREACHABLE_MIN_HOURS
    )

    class Meta:
        verbose_name = _("call policy")
        verbose_name_plural = _("call policies")

    def __str__(self) -> str:
        return f"{self.store} · {self.low_overall_score}"


class Questionnaire(models.Model):
    """One version of a store's call questionnaire (回访问卷). A call keeps the version it was asked with;
    editing publishes a new version and the old one stays for the answers that use it."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="questionnaires")
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current"), default=False)
    note = models.CharField(_("what changed"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["store", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["store", "version"], name="questionnaire_unique_version"),
            models.UniqueConstraint(
                fields=["store"], condition=models.Q(is_current=True), name="questionnaire_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} · v{self.version}"


class Question(models.Model):
    """A question of one questionnaire version, with its CSS weight (seed 002)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    # A stable code across versions ("overall", "reception", "come_back"...), so reports compare months.
    code = models.CharField(_("code"), max_length=30)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answer"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SCALE_10)
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2, default=0)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class CallScript(models.Model):
    """A store's script (话术) for one task kind and scenario, as steps: greeting and identity, purpose,
    questions, closing (seed 000). Placeholders such as {customer} are filled in at the call."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="call_scripts")
    kind = models.CharField(_("task kind"), max_length=30, choices=RuleKind.choices)
    scenario = models.CharField(_("scenario"), max_length=15, choices=ScriptScenario.choices)
    # [{"title": "问候与身份", "text": "..."}, ...]
    steps = models.JSONField(_("steps"), default=list)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["store", "kind", "scenario"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "scenario"], name="call_script_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.kind} · {self.scenario}"


def recording_path(instance: "CallRecord", filename: str) -> str:
    return f"recordings/{instance.store_id}/{filename}"


class CallRecord(models.Model):
    """A call made on a follow-up task (回访记录): outcome, answers, score, recording."""

    # store, advisor, caller: no index of their own, the (…, ended_at) indexes below lead with them (one index
    # less each to fill on every saved call).
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="call_records", db_index=False)
    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="calls")
    attempt = models.OneToOneField(ContactAttempt, on_delete=models.CASCADE, related_name="call")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="call_records")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The advisor the answers are about (the RO's advisor), for CSS per advisor.
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    advisor_name = models.CharField(_("service advisor"), max_length=50, blank=True)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls_made",
        db_index=False,
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallOutcome.choices)
    # How the answers came in: asked on the phone, or given by the customer on a survey link (问卷链接).
    channel = models.CharField(_("answered by"), max_length=10, choices=CallChannel.choices, default=CallChannel.PHONE)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"))
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    # Weighted CSS score 0–100 over the scored questions answered; NULL when nothing was scored.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Which per-store rule opened a complaint or problem, in words (shown on the call and the complaint).
    issue_reasons = models.JSONField(_("why an issue was opened"), default=list, blank=True)
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    recording = models.FileField(_("recording"), upload_to=recording_path, blank=True)
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["-ended_at", "-id"]
        indexes = [
            models.Index(fields=["store", "ended_at"]),
            models.Index(fields=["caller", "ended_at"]),
            models.Index(fields=["advisor", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.ended_at:%Y-%m-%d %H:%M} {display(self, 'outcome')}"


class Answer(models.Model):
    """One answer of a call: a value on the question's scale (or 1/0 for yes/no) and free text."""

    # No index of its own: the unique (call, question) constraint leads with it.
    call = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="answers", db_index=False)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("remark"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["call", "question"], name="answer_unique_question")]

    def __str__(self) -> str:
        return f"{self.question.code}={self.value}"


class Problem(models.Model):
    """A lighter issue than a complaint (问题记录), handed to the RO's advisor to sort out."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="problems")
    call = models.ForeignKey(CallRecord, on_delete=models.CASCADE, related_name="problems")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="problems")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    created_at = models.DateTimeField(_("created"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("problem record")
        verbose_name_plural = _("problem records")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_status_display()}"


class StoreSettingsVersion(models.Model):
    """A token that changes with every change of the store's settings the workbench keeps per process
    (workbench.store_settings): a new random one each time, so a rolled-back change's token never returns."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, primary_key=True, related_name="+")
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.store_id}: {self.token}"
