from django.db import models
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.TextChoices):
    """The four result types of a follow-up call (seed 002)."""

    SATISFIED = "satisfied", _("Completed, satisfied")
    WITH_ISSUE = "with_issue", _("Completed, with an issue")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED = "refused", _("Refused")


class CallChannel(models.TextChoices):
    """How a call record's answers came in: a call, or the customer on a survey link (issue 8)."""

    PHONE = "phone", _("Phone")
    LINK = "link", _("Survey link")


class QuestionKind(models.TextChoices):
    """How a question is answered: a 1–10 or 1–5 scale, yes/no, or free text only."""

    SCALE_10 = "scale10", _("Scale 1–10")
    SCALE_5 = "scale5", _("Scale 1–5")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Free text")


class ScriptScenario(models.TextChoices):
    """The seed 000 dialogues: owner answers, someone else answers, complaining customer, company car."""

    OWNER = "owner", _("Owner answers (在家)")
    SOMEONE_ELSE = "someone_else", _("Someone else answers (不在家)")
    COMPLAINING = "complaining", _("Complaining customer (抱怨客户)")
    COMPANY_CAR = "company_car", _("Company car (公司车)")


class IssueAction(models.TextChoices):
    """What a dissatisfied answer opens: a complaint, a lighter problem record for the advisor, or nothing."""

    COMPLAINT = "complaint", _("Open a complaint")
    PROBLEM = "problem", _("Open a problem record for the advisor")
    NONE = "none", _("Nothing")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
