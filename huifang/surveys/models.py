from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer
from huifang.followups.models import FollowUpTask
from huifang.messaging.models import OutboxMessage
from huifang.workbench.models import CallRecord

from . import defaults


class SurveyPolicy(models.Model):
    """A store's survey-link rules (问卷链接规则): the fallback chain after an unreachable call and the hot alert."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="survey_policy")
    chain_enabled = models.BooleanField(_("send the survey link when the call is unreachable"), default=True)
    link_valid_days = models.PositiveSmallIntegerField(_("link valid for (days)"), default=defaults.LINK_VALID_DAYS)
    sms_enabled = models.BooleanField(_("send the link by SMS"), default=True)
    email_enabled = models.BooleanField(_("then by e-mail"), default=True)
    email_after_days = models.PositiveSmallIntegerField(
        _("e-mail after (days, if still unanswered)"), default=defaults.EMAIL_AFTER_DAYS
    )
    resurvey_after_days = models.PositiveSmallIntegerField(
        _("do not survey a customer again within (days)"), default=defaults.RESURVEY_AFTER_DAYS
    )
    dissatisfied_scale_10 = models.PositiveSmallIntegerField(
        _("1–10 answer at or below is dissatisfied"), default=defaults.DISSATISFIED_SCALE_10
    )
    dissatisfied_scale_5 = models.PositiveSmallIntegerField(
        _("1–5 answer at or below is dissatisfied"), default=defaults.DISSATISFIED_SCALE_5
    )
    dissatisfied_no = models.BooleanField(_("a 'no' is dissatisfied"), default=defaults.DISSATISFIED_NO)
    hot_total_below = models.PositiveSmallIntegerField(
        _("alert when the total score is below"), default=defaults.HOT_TOTAL_BELOW
    )

    class Meta:
        verbose_name = _("survey policy")
        verbose_name_plural = _("survey policies")

    def __str__(self) -> str:
        return f"{self.store} survey policy"


class SurveyLink(models.Model):
    """A signed survey link (问卷链接) for one post-service task, answered at most once."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="survey_links")
    task = models.OneToOneField(FollowUpTask, on_delete=models.CASCADE, related_name="survey_link")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_links")
    # Random, kept only here: a token signed with the right key but an unknown nonce is still refused.
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    sms_message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("SMS")
    )
    sms_at = models.DateTimeField(_("SMS queued"), null=True, blank=True)
    email_message = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("e-mail")
    )
    email_at = models.DateTimeField(_("e-mail queued"), null=True, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    call = models.OneToOneField(
        CallRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_link"
    )

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["store", "answered_at", "email_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.task_id} · {self.created_at:%Y-%m-%d}"
