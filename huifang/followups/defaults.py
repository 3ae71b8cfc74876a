"""Default follow-up rules of a new store; each value is a per-store FollowUpRule field to start with."""

from .choices import OwnerRule, RuleKind, TaskChannel

# Seed 000: the post-service call is made within 72 h of delivery; seed 001 says 3 days, the same window.
POST_SERVICE_WINDOW_HOURS = 72
# Seed 000/003: every customer is called after delivery. An order whose 72 h passed while no sweep ran
# (worker down, a weekly DMS import) is still called, late, up to this many days after delivery; 0 = never.
POST_SERVICE_CATCH_UP_DAYS = 7
# A call a month after delivery no longer asks about that service.
MAX_CATCH_UP_DAYS = 30
# Seed 002/004 and brief §3: a closed complaint is called back within 3 days.
COMPLAINT_FOLLOW_UP_WINDOW_HOURS = 72
# A missed appointment is called back within two days (the slot is still fresh in the customer's mind).
APPOINTMENT_NO_SHOW_WINDOW_HOURS = 48
# Seed 001 case: new customers are called 3 days, 1 month and 3 months after their first visit.
FIRST_VISIT_OFFSETS = "3d,1m,3m"
# Brief §3 "before the due date (lead time, e.g. 7 days)" for the maintenance reminder (定保提醒).
MAINTENANCE_LEAD_DAYS = 7
# Seed 000 §一.3: every 5,000 km or 3 months, whichever comes first, also for the first free service.
FIRST_SERVICE_OFFSET = "3m"
FIRST_SERVICE_KM = 5000
FIRST_SERVICE_LEAD_DAYS = 7
# Seed 003 §二.3 and the brief: "对新用户实现10%以上回访" — call at least 10 % of the new (first-visit) customers,
# a reproducible sample; 100 calls every one of them.
FIRST_VISIT_SAMPLE_PERCENT = 10
# Brief §3: warranty expiry, insurance renewal "e.g. 30 days before", inspection and licence lead time.
WARRANTY_LEAD_DAYS = 30
INSURANCE_LEAD_DAYS = 30
INSPECTION_LEAD_DAYS = 30
LICENCE_LEAD_DAYS = 30
# Brief §3 / ArchivePolicy: no visit for 6 months is a reminder (久未回厂), 12 months is lost (流失).
LOST_CUSTOMER_OFFSETS = "6m,12m"
# Seed 003 greetings: "on the day, by SMS".
GREETING_WINDOW_HOURS = 24
# Seed 003: Spring Festival, Lantern, May Day, Mid-Autumn (keys of core.calendar.festivals_in_year).
HOLIDAY_FESTIVALS = "spring_festival,lantern,may_day,mid_autumn"
# A reminder may be made until its target date: the window is as long as the lead time.
REMINDER_WINDOW_HOURS = 7 * 24
# Issue 3 §7 (seed 000 "提醒服务的跟踪电话结果必须记录"): a reminder worked when the customer opened a
# repair order within this many days of it.
RETURN_WINDOW_DAYS = 30
# Brief §3 and issue 3 §4: after 3 failed attempts the task closes as unreachable.
MAX_FAILED_ATTEMPTS = 3

# One row per kind: the values a new store starts with (rules_ensure_defaults).
DEFAULT_RULES: dict[str, dict] = {
    RuleKind.POST_SERVICE_CALL: {
        "name": "修后回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.RO_ADVISOR,
        "window_hours": POST_SERVICE_WINDOW_HOURS,
        "script": "{customer}您好，我是{store}的客服，您的爱车{plate}已于{delivered}交车，请问对这次服务满意吗？",
    },
    RuleKind.FIRST_VISIT_SERIES: {
        "name": "新客户回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "offsets": FIRST_VISIT_OFFSETS,
        "sample_percent": FIRST_VISIT_SAMPLE_PERCENT,
        "window_hours": POST_SERVICE_WINDOW_HOURS,
        "script": "{customer}您好，感谢您选择{store}，请问用车还习惯吗？",
    },
    RuleKind.MAINTENANCE_REMINDER: {
        "name": "定保提醒",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "lead_days": MAINTENANCE_LEAD_DAYS,
        "window_hours": MAINTENANCE_LEAD_DAYS * 24,
        "script": "{customer}您好，您的爱车{plate}预计在{target}前后需要定期保养，欢迎预约。",
    },
    RuleKind.FIRST_SERVICE_REMINDER: {
        "name": "首保提醒",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "offsets": FIRST_SERVICE_OFFSET,
        "km_threshold": FIRST_SERVICE_KM,
        "lead_days": FIRST_SERVICE_LEAD_DAYS,
        "window_hours": FIRST_SERVICE_LEAD_DAYS * 24,
        "script": "{customer}您好，您的新车{plate}即将到首次免费保养时间（{target}），欢迎预约。",
    },
    # Issue 14 §2: the call on the day a new car is first-service lost; the period is the archive policy's
    # first_service_lost_months (12 months after delivery by default), shared with the statistics.
    RuleKind.FIRST_SERVICE_LOST: {
        "name": "首保流失回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "{customer}您好，您的爱车{plate}自交车以来还没有做过首次保养，请问用车情况如何？欢迎回店检查。",
    },
    RuleKind.WARRANTY_EXPIRY: {
        "name": "质保到期提醒",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "lead_days": WARRANTY_LEAD_DAYS,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "{customer}您好，您的爱车{plate}的质保将于{target}到期，建议到店做一次全面检查。",
    },
    RuleKind.INSURANCE_RENEWAL: {
        "name": "续保提醒",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "lead_days": INSURANCE_LEAD_DAYS,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "{customer}您好，您的爱车{plate}的保险将于{target}到期，需要为您办理续保吗？",
    },
    RuleKind.INSPECTION_DUE: {
        "name": "年检提醒",
        "channel": TaskChannel.SMS,
        "owner_rule": OwnerRule.AUTOMATIC,
        "lead_days": INSPECTION_LEAD_DAYS,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "【{store}】尊敬的{customer}，您的爱车{plate}应于{target}前年检，本店可代办。",
    },
    RuleKind.LICENCE_DUE: {
        "name": "证照年审提醒",
        "channel": TaskChannel.SMS,
        "owner_rule": OwnerRule.AUTOMATIC,
        "lead_days": LICENCE_LEAD_DAYS,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "【{store}】尊敬的{customer}，您的证照应于{target}前年审。",
    },
    RuleKind.LOST_CUSTOMER: {
        "name": "久未回厂回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "offsets": LOST_CUSTOMER_OFFSETS,
        "window_hours": REMINDER_WINDOW_HOURS,
        "script": "{customer}您好，您的爱车{plate}已有一段时间没有回店保养了，最近用车还好吗？",
    },
    RuleKind.BIRTHDAY_GREETING: {
        "name": "生日祝福",
        "channel": TaskChannel.SMS,
        "owner_rule": OwnerRule.AUTOMATIC,
        "window_hours": GREETING_WINDOW_HOURS,
        "marketing_only": True,
        "script": "【{store}】{customer}，祝您生日快乐！",
    },
    RuleKind.HOLIDAY_GREETING: {
        "name": "节日问候",
        "channel": TaskChannel.SMS,
        "owner_rule": OwnerRule.AUTOMATIC,
        "festivals": HOLIDAY_FESTIVALS,
        "window_hours": GREETING_WINDOW_HOURS,
        "marketing_only": True,
        "script": "【{store}】{customer}，{festival}快乐！",
    },
    RuleKind.COMPLAINT_FOLLOW_UP: {
        "name": "投诉回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "window_hours": COMPLAINT_FOLLOW_UP_WINDOW_HOURS,
        "script": "{customer}您好，您反映的问题已处理完毕，请问您对处理结果满意吗？",
    },
    # Made by the appointments sweep when a booked car did not come (issue 19), not by the follow-up sweep.
    RuleKind.APPOINTMENT_NO_SHOW: {
        "name": "预约未到店回访",
        "channel": TaskChannel.CALL,
        "owner_rule": OwnerRule.CARE_TEAM,
        "window_hours": APPOINTMENT_NO_SHOW_WINDOW_HOURS,
        "script": "{customer}您好，您预约的到店时间已过，想了解一下是否需要为您重新安排？",
    },
}

# Issue 14 §3: call attempts spread over time. After a failed attempt (no answer, busy, switched off...) the
# task waits before it is offered again: 2 hours after the first; after the second and later ones, the next
# day at another time of day (one of RETRY_TIMES, at least RETRY_OTHER_TIME_HOURS from every earlier try).
RETRY_FIRST_HOURS = 2
RETRY_LATER_DAYS = 1
RETRY_TIMES = "09:30,14:30,18:30"
RETRY_OTHER_TIME_HOURS = 3
# "A task cannot close as unreachable within the first few hours of its first attempt."
UNREACHABLE_MIN_HOURS = 4
# A task handed out by "next" stays the caller's alone this long (dialling, the questionnaire, saving), unless
# the call is saved first; then the next caller may be offered it again.
CALL_CLAIM_MINUTES = 30
