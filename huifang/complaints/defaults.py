"""Defaults of a new store's complaint policy; each a per-store ComplaintPolicy field (brief §5)."""

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
# Store business hours for the business-hours clock.
BUSINESS_START = "08:30"
BUSINESS_END = "17:30"
# Seed 004 words that mean media or legal involvement (found with a Chinese tokenizer).
MEDIA_LEGAL_WORDS = (
    "媒体,曝光,记者,电视台,报社,网络,微博,抖音,律师,起诉,诉讼,法院,消协,消费者协会,315,投诉网,工商局,市场监管"
)
# Seed 004 safety events.
SAFETY_WORDS = "起火,自燃,着火,火灾,安全气囊,气囊,严重事故,车祸,伤亡,受伤,发动机故障,变速箱故障,变速器故障,车桥,断轴,刹车失灵,制动失灵,失控"
