"""Default operations rules, each citing its source. Stores edit the copies (items, levels, staffing cells,
OperationsPolicy); these constants only seed them.

Seed 002 = /work/shared/seeds/002_*.txt (斯柯达经销商服务能力提升辅导项目 · 客户关系管理).
"""

from django.utils.translation import gettext_lazy as _

# 顾客休息室检查表 (seed 002): the 11 items, in the seed's order (序号 1–11), shortened where the seed
# runs several sentences together; the full seed text of each item is the `help` part.
LOUNGE_ITEMS: tuple[tuple[str, str], ...] = (
    ("空调", "空调开启并设置到规定温度"),
    ("电视", "电视开启并确保画面清晰"),
    ("影视区", "影视区开启DVD并确保画面清晰"),
    ("网吧", "开启所有电脑确保能够正常运行,且有专人负责定期维护、保养和清洁"),
    ("桌椅", "桌椅摆放整齐"),
    ("报纸、杂志", "及时更新并装订放好报纸架,放置最新的产品信息/服务信息/促销信息资料"),
    ("茶水", "随时确保饮水机有水,及冷热功能正常运作"),
    ("窗户/接待台", "透视观察窗干净、明亮便于观察,保持整洁,无杂物"),
    ("客休室范围", "确保每位客人有茶水供应,电视、DVD正常播放斯柯达产品或活动节目;空置茶杯及时收起,报刊归位,桌椅整齐"),
    ("客休室范围(无顾客时)", "若无顾客,可以关闭部份电器(DVD、电视、电脑)并摆放桌椅"),
    ("午餐", "派放客餐,登记车牌,确保每位用餐的顾客有客餐票"),
)

# The seed's 评分 column has no scale; we score 0–5 and call an item compliant from 4 up (per store).
LOUNGE_MAX_SCORE = 5
LOUNGE_PASS_SCORE = 4
# The lounge is open every day (seed 002: the desk is staffed all day except lunch); a store may list the
# weekdays it is closed (0 = Monday … 6 = Sunday), and no checklist is expected on those days.
LOUNGE_CLOSED_WEEKDAYS = ""

# 车友会 (seed 002 对车友会会员提供优惠服务内容): default levels and benefits; the seed names the benefits,
# not the levels, so the level names are ours.
CLUB_LEVELS: tuple[tuple[str, int, str], ...] = (
    ("普通会员", 1, "享受车主专属活动空间的专有设施;车友会会员月刊"),
    ("银卡会员", 2, "以上全部;免费拖车服务;维修服务的特约服务与相应折扣价格"),
    ("金卡会员", 3, "以上全部;车友会联盟商店折扣;每年免费四轮定位、车身美容、日常洗车服务"),
)

# A signed invitation link works this many days (and never after the event starts).
INVITE_LINK_DAYS = 14
# Public sign-up page: at most this many requests per IP address per window (seconds), counted in the cache;
# generous because mobile carriers put many phones behind one address (CGNAT).
SIGNUP_RATE_LIMIT = 60
SIGNUP_RATE_WINDOW_SECONDS = 3600

INVITATION_SMS = "【{store_name}】{customer_name}您好,诚邀您参加车友会活动「{event_title}」,{event_time},{event_place}。报名:{signup_url} 退订回TD"

# 客服人力资源规划 (seed 002). Reading of the flattened table
#   "展厅销量进厂台次100以下100-300301-599600以下1+1+11+1+11+1+2600-1200…3000以上1+1+31+2+31+2+5":
# the header cell is split diagonally; the label written first ("展厅销量", monthly showroom sales) names the
# columns across the top and the second ("进厂台次", monthly workshop throughput) names the rows down the
# side. The magnitudes agree: a dealership sells 100–600 cars a month and takes in 600–3000+ cars in the
# workshop, not the other way round. So rows = throughput buckets, columns = sales buckets.
# Edges are inclusive as written ("600-1200" holds 600 and 1200); "600以下" is below 600; "3000以上" is above
# 3000 (3000 itself is in "2400-3000"). The seed's last sales column stops at 599: more sales than the table
# reaches (or throughput beyond the last row) use the nearest bucket, and the screen says so.
# "1+1+2" is a sum of roles: 客户关爱总监 (care director) + 客户关爱专员 (care specialist: lounge, complaints,
# customer data) + 回访专员 (follow-up callers); the total headcount is the sum.
THROUGHPUT_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("600以下", None, 599),
    ("600-1200", 600, 1200),
    ("1201-1799", 1201, 1799),
    ("1800-2399", 1800, 2399),
    ("2400-3000", 2400, 3000),
    ("3000以上", 3001, None),
)
SALES_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("100以下", None, 99),
    ("100-300", 100, 300),
    ("301-599", 301, 599),
)
# STAFFING_TABLE[row][column] = (directors, specialists, callers), rows and columns as above.
STAFFING_TABLE: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((1, 1, 1), (1, 1, 1), (1, 1, 2)),
    ((1, 1, 1), (1, 1, 2), (1, 1, 2)),
    ((1, 1, 1), (1, 1, 2), (1, 1, 3)),
    ((1, 1, 2), (1, 1, 3), (1, 1, 3)),
    ((1, 1, 3), (1, 1, 3), (1, 2, 4)),
    ((1, 1, 3), (1, 2, 3), (1, 2, 5)),
)
STAFFING_ROLE_LABELS = (_("Care director"), _("Care specialists"), _("Follow-up callers"))

# 顾客统计表 (seed 002) lists these models; other models found in the archive follow them.
STATISTICS_MODELS = ("昊锐", "明锐", "晶锐")
