"""Default messaging rules; each is a per-store setting (MessagingPolicy) with this value to start."""

from .choices import MessageChannel, MessagePurpose, TemplateKind

# Seed 003 回访规范 "一个避免": "避免在客户休息时打扰客户" (avoid disturbing customers at rest);
# issue 3 §5 sets the windows: 21:00–09:00 and the lunch rest 12:00–14:00, in the store's time zone.
QUIET_HOURS: list[list[str]] = [["21:00", "09:00"], ["12:00", "14:00"]]


def quiet_hours() -> list[list[str]]:
    """A fresh copy of QUIET_HOURS for a JSONField default (never share the mutable list)."""
    return [list(window) for window in QUIET_HOURS]


# Channels a customer notices at once (a phone buzzes); a letter is printed and posted, so it is never held.
QUIET_HOURS_CHANNELS = frozenset({MessageChannel.SMS, MessageChannel.EMAIL})

# Brief §8 "frequency cap": at most 2 marketing messages per customer per 30 days. Seed 003 (短信回访 §3)
# finds one message a quarter best for ordinary customers, so 2 a month is a ceiling, not a target.
MARKETING_CAP_COUNT = 2
MARKETING_CAP_DAYS = 30

# Issue 3 §6 "delivery status and retries": try 3 times, waiting 5, then 10 minutes (doubling) between tries.
MAX_DELIVERY_ATTEMPTS = 3
RETRY_BACKOFF_MINUTES = 5
# A message still "sending" this long after a worker claimed it lost its worker: a live send ends within the
# provider's timeout (SMS_GATEWAY_TIMEOUT, EMAIL_TIMEOUT: 10 s), and the killed worker's delivery task, when
# another worker takes it back (background.defaults.LEASE_SECONDS), finds the row claimed and leaves it. The
# release sweep counts it as a failed try and queues it again under the same gateway id (repeats are dropped).
STALE_SENDING_MINUTES = 15

# Placeholders a template may use; the context of every message supplies the ones its template names.
PLACEHOLDERS = frozenset(
    {
        "customer_name",
        "store_name",
        "store_phone",
        "plate",
        "next_service_km",
        "next_service_date",
        "advisor_name",
        "holiday_name",
        "survey_url",
        "message_text",
    }
)

# Seed 003 (短信回访 §2) message kinds, rewritten for a car dealership. (kind, channel, purpose, subject, body)
TEMPLATES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        TemplateKind.HOLIDAY_GREETING,
        MessageChannel.SMS,
        MessagePurpose.MARKETING,
        "",
        "尊敬的{customer_name}，今天是{holiday_name}，{store_name}祝您节日快乐！今后您的爱车如有任何问题，"
        "请与我们联系，我们竭诚为您服务！服务电话：{store_phone}",
    ),
    (
        TemplateKind.USEFUL_INFORMATION,
        MessageChannel.SMS,
        MessagePurpose.MARKETING,
        "",
        "尊敬的{customer_name}，为感谢您对{store_name}的支持，我们特为您准备了一份小礼物，欢迎到店领取！"
        "服务电话：{store_phone}",
    ),
    (
        TemplateKind.TIPS,
        MessageChannel.SMS,
        MessagePurpose.MARKETING,
        "",
        "尊敬的{customer_name}，{store_name}温馨提示：换季时请检查轮胎气压和空调滤芯，雨天注意雨刮状态，"
        "行车更安心。服务电话：{store_phone}",
    ),
    (
        TemplateKind.REPAIR_FOLLOW_UP,
        MessageChannel.SMS,
        MessagePurpose.SERVICE,
        "",
        "尊敬的{customer_name}，感谢您选择{store_name}。我们多次致电未能联系到您，对上次维修给您带来的不便"
        "深表歉意。如车辆还有任何问题，请与我们联系，服务电话：{store_phone}",
    ),
    (
        TemplateKind.MAINTENANCE_REMINDER,
        MessageChannel.SMS,
        MessagePurpose.SERVICE,
        "",
        "尊敬的{customer_name}，您的爱车{plate}预计在{next_service_date}或{next_service_km}公里时需要定期保养，"
        "欢迎提前预约。{store_name}服务电话：{store_phone}",
    ),
    (
        TemplateKind.SURVEY_LINK,
        MessageChannel.SMS,
        MessagePurpose.SERVICE,
        "",
        "尊敬的{customer_name}，感谢您光临{store_name}，请花一分钟为本次服务评分：{survey_url}",
    ),
    (
        TemplateKind.GENERIC,
        MessageChannel.SMS,
        MessagePurpose.SERVICE,
        "",
        "尊敬的{customer_name}，{message_text}【{store_name}】",
    ),
    (
        TemplateKind.HOLIDAY_GREETING,
        MessageChannel.EMAIL,
        MessagePurpose.MARKETING,
        "{store_name}祝您{holiday_name}快乐",
        "尊敬的{customer_name}：\n\n今天是{holiday_name}，{store_name}全体员工祝您节日快乐、出行平安！\n"
        "今后您的爱车如有任何问题，请随时与我们联系。\n\n服务电话：{store_phone}\n{store_name}",
    ),
    (
        TemplateKind.REPAIR_FOLLOW_UP,
        MessageChannel.EMAIL,
        MessagePurpose.SERVICE,
        "{store_name}维修回访",
        "尊敬的{customer_name}：\n\n感谢您选择{store_name}。对上次维修给您带来的不便，我们深表歉意。\n"
        "如车辆还有任何问题，请与我们联系。\n\n服务电话：{store_phone}\n{store_name}",
    ),
    (
        TemplateKind.SURVEY_LINK,
        MessageChannel.EMAIL,
        MessagePurpose.SERVICE,
        "{store_name}服务满意度问卷",
        "尊敬的{customer_name}：\n\n感谢您光临{store_name}。我们致电未能联系到您，想请您花一分钟为本次服务评分，"
        "您的意见将帮助我们做得更好：\n{survey_url}\n\n服务电话：{store_phone}\n{store_name}",
    ),
    (
        TemplateKind.HOLIDAY_GREETING,
        MessageChannel.LETTER,
        MessagePurpose.MARKETING,
        "节日问候",
        "尊敬的{customer_name}：\n\n值此{holiday_name}之际，{store_name}全体员工向您致以节日的问候！\n"
        "感谢您一直以来的信任与支持。今后您的爱车如有任何问题，欢迎随时与我们联系。\n\n服务电话：{store_phone}",
    ),
)
