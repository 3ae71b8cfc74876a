"""Defaults of a new store's complaint policy; each a per-store ComplaintPolicy field (brief §5)."""

from huifang.archive.choices import RepairOrderType

# Seed 004: contact the customer within 2 hours of receiving the complaint.
FIRST_CONTACT_HOURS = 2
# Seed 001: level 1 (front line) 24 h, level 2 (department manager) 48 h, level 3 (senior management) 72 h.
LEVEL1_HOURS = 24
LEVEL2_HOURS = 48
LEVEL3_HOURS = 72
# Seed 004: media or legal involvement needs a written report to the manufacturer within 4 hours.
MEDIA_REPORT_HOURS = 4
# Seed 004: compensation demanded above 10,000 RMB makes a complaint major.
MAJOR_COMPENSATION_RMB = 10000
# Seed 004: 90% of major cases had the same fault repaired 3 or more times.
MAJOR_REPEAT_REPAIRS = 3
# Seed 002/004: a closed complaint is called back within 3 days.
FOLLOW_UP_DAYS = 3
# Store business hours for the business-hours clock now come from the store calendar (huifang/calendars).
# Hold (僵持, seed 004 status): today a complaint on Hold keeps its clock running (off by default); a store may
# pause it, for at most as long as seed 001 gives senior management (level 3, 72 h) per level, so a stalemate
# never parks a complaint for ever.
HOLD_PAUSES_CLOCK = False
HOLD_MAX_HOURS = 72
# Seed 004 words that mean media or legal involvement (found with a Chinese tokenizer). They count when the
# customer acts towards them in the same clause and does not deny it (major_words.MEDIA_LEGAL_ACTS, NEGATIONS).
MEDIA_LEGAL_WORDS = (
    "媒体,自媒体,曝光,记者,电视台,报社,新闻,微博,抖音,小红书,律师,律师函,起诉,诉讼,法院,仲裁,"
    "消协,消费者协会,315,12345,投诉网,车质网,黑猫投诉,工商局,市场监管"
)
# The list before issue 15; stores still on it get the new one (migration major_words_issue15).
MEDIA_LEGAL_WORDS_V1 = "媒体,曝光,记者,电视台,报社,新闻,微博,抖音,律师,律师函,起诉,诉讼,法院,仲裁,消协,消费者协会,315,投诉网,工商局,市场监管"
# Seed 004 safety events (自燃; 交通事故造成车辆严重损毁; 碰撞涉及安全气囊; 轮轴断裂并伴有交通事故). An
# engine or gearbox fault alone is not one: it is a repeat-repair case when it comes back.
SAFETY_WORDS = (
    "起火,自燃,着火,火灾,安全气囊,气囊,严重事故,交通事故,车祸,撞车,伤亡,受伤,断轴,轮轴断裂,半轴断裂,"
    "刹车失灵,制动失灵,刹不住,转向失灵,方向失灵,失控"
)
SAFETY_WORDS_V1 = "起火,自燃,着火,火灾,安全气囊,气囊,严重事故,车祸,伤亡,受伤,发动机故障,变速箱故障,变速器故障,车桥,断轴,刹车失灵,制动失灵,失控"

# Sub-reasons every store starts with (seed 004 categories; the care director edits them per store).
DEFAULT_REASONS = {
    "S": ["销售承诺未兑现", "交车问题", "价格与费用", "手续与证照", "销售服务态度"],
    "SA": ["服务态度", "维修质量", "维修时间过长", "收费不合理", "预约与接待", "车辆损坏或丢失物品"],
    "SQ": ["异响", "抖动", "漏油漏水", "电器故障", "发动机", "变速箱", "制动系统", "空调"],
    "SP": ["配件缺货", "配件质量", "配件价格"],
    "OT": ["其他"],
}
# Issue 15 §5: when the role that should receive an escalation has nobody available in the store, the
# notification goes up this chain (service manager, care director, group manager; an administrator last).
ESCALATION_CHAIN = ("service_manager", "care_director", "group_manager", "admin")
# Complaints the escalation sweep handles per batch.
ESCALATION_BATCH_SIZE = 200
# Repair orders of the last this many months count for "the same fault repaired 3+ times" (seed 004).
REPEAT_REPAIR_MONTHS = 12
# Only repair and warranty-claim orders (维修单, 索赔单) describe a fault; maintenance, first service,
# insurance, recall and accessory orders never count as a repair of the complaint's fault (issue 15).
REPEAT_REPAIR_ORDER_TYPES = (RepairOrderType.REPAIR, RepairOrderType.WARRANTY)
# Attachments (photos, documents, recordings) up to this size, of these kinds.
ATTACHMENT_MAX_MB = 25
ATTACHMENT_EXTENSIONS = frozenset(
    {
        "jpg",
        "jpeg",
        "png",
        "gif",
        "webp",
        "heic",
        "bmp",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "txt",
        "csv",
        "mp3",
        "wav",
        "m4a",
        "amr",
        "aac",
        "ogg",
        "wma",
        "mp4",
        "mov",
        "3gp",
        "avi",
        "zip",
    }
)
