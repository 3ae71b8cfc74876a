from django.db import models
from django.utils.translation import gettext_lazy as _


class Kpi(models.TextChoices):
    """Every KPI a store sets a target for (seed 004 complaint KPIs, seed 001/000 follow-up KPIs)."""

    COMPLAINT_SATISFACTION = "complaint_satisfaction", _("Complaint satisfied-closure rate (客户投诉处理满意率)")
    COMPLAINT_TIMELINESS = "complaint_timeliness", _("Complaint timeliness rate (及时率)")
    COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling rate (处理率)")
    COMPLAINT_VALID_CALLBACK = "complaint_valid_callback", _("Valid callback rate (有效回访率)")
    CALLBACK = "callback", _("Callback rate (回访率)")
    WITHIN_WINDOW = "within_window", _("Called within 72 hours (72小时内回访率)")
    REACH = "reach", _("Reach rate (接通率)")
    PROBLEM_RESOLUTION = "problem_resolution", _("Problem resolution rate (问题解决率)")
    REMINDER_RETURN = "reminder_return", _("Reminder return rate (提醒回厂率)")
    CSS = "css", _("CSS score (满意度得分)")
    FIRST_TIME_FIX = "first_time_fix", _("First-time-fix rate (一次修复率)")
    APPOINTMENT = "appointment", _("Appointment rate (预约率)")


class Direction(models.TextChoices):
    """Whether a higher or a lower actual value is better."""

    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Evaluation(models.TextChoices):
    """Seed 004 PDCA marks: met or above target ✓, needs improvement △, below target ×."""

    MET = "met", _("Met (达到和超过计划指标)")
    IMPROVE = "improve", _("Needs improvement (需改进)")
    BELOW = "below", _("Below target (低于计划指标)")
    NO_DATA = "no_data", _("No data")


class BenchmarkRow(models.TextChoices):
    """The rows of seed 002's CSS table."""

    PREVIOUS = "previous", _("Previous period (上期)")
    CURRENT = "current", _("This period (本期)")
    REGION = "region", _("Region average (RBO)")
    NATIONAL = "national", _("National average (全国平均分)")
