"""Writes of complaints (投诉): intake, handling, escalation and closing. Every change is an event and audited."""

from .clock import hold_pause, hold_resume, holds_resume_due, policy_save
from .escalation import complaint_escalate, complaints_escalate_due
from .handling import (
    attachment_add,
    complaint_action_add,
    complaint_assign,
    complaint_close,
    complaint_contact_record,
    complaint_follow_up_record,
    complaint_media_report_record,
    complaint_reopen,
    complaint_status_change,
    complaint_update,
    policy_update,
    reason_save,
)
from .intake import complaint_intake, major_check, next_number, repeat_repairs

__all__ = [
    "attachment_add",
    "complaint_action_add",
    "complaint_assign",
    "complaint_close",
    "complaint_contact_record",
    "complaint_escalate",
    "complaint_follow_up_record",
    "complaint_intake",
    "complaint_media_report_record",
    "complaint_reopen",
    "complaint_status_change",
    "complaint_update",
    "complaints_escalate_due",
    "major_check",
    "next_number",
    "hold_pause",
    "hold_resume",
    "holds_resume_due",
    "policy_save",
    "policy_update",
    "reason_save",
    "repeat_repairs",
]
