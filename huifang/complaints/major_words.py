"""Language data of the major-complaint rules (重大投诉): how Chinese complaint text says a fault, an act
towards media or the courts, a denial, a worry. Edit here to teach the rules new wording; the per-store
word lists (媒体/法律词, 安全事件词) are fields of the store's complaint policy (defaults in defaults.py).

Seed 004 names the rules; these lists say how customers and service advisors write them down.
"""

# --- Media and legal (seed 004: 涉及到媒体或司法介入) -------------------------------------------------

# A media or legal word counts when the customer acts towards it: these verbs (or a word that is an act
# itself, like 曝光 or 起诉) in the same clause. "在抖音上看到广告" names a platform but does nothing with it.
MEDIA_LEGAL_ACTS = frozenset(
    {
        "找",
        "找到",
        "联系",
        "请",
        "请了",
        "委托",
        "咨询",
        "发",
        "发到",
        "发帖",
        "发布",
        "上传",
        "打",
        "拨打",
        "投诉",
        "举报",
        "反映",
        "告",
        "告上",
        "见",
        "闹",
        "闹到",
        "求助",
        "申请",
        "曝光",
        "起诉",
        "诉讼",
        "仲裁",
        "律师函",
        "上诉",
        "报道",
        "爆料",
        "维权",
        "递交",
        "提交",
        "立案",
    }
)

# --- Denials and worries ------------------------------------------------------------------------------

# A word right after one of these (across the small words below) is denied: 我不会找媒体, 没有找律师,
# 没有起火. "不排除起诉" is not a denial: 排除 is not a small word, so the walk back stops there.
NEGATIONS = frozenset(
    {
        "不",
        "没",
        "没有",
        "未",
        "未曾",
        "别",
        "不会",
        "不想",
        "不要",
        "不用",
        "不必",
        "无需",
        "无须",
        "不打算",
        "不准备",
        "不至于",
        "从未",
        "从没",
        "从来不",
        "从来没",
        "从来没有",
        "并未",
        "并没有",
        "并不",
        "绝不",
        "决不",
        "不再",
        "没想",
        "没人",
        "无人",
        "无",
    }
)
# A safety word after one of these is a worry or a precaution, not an event: 担心会自燃, 以免起火.
HYPOTHETICALS = frozenset(
    {
        "担心",
        "害怕",
        "怕",
        "生怕",
        "万一",
        "以免",
        "防止",
        "避免",
        "预防",
        "假如",
        "假设",
        "如果",
        "要是",
        "会不会",
        "是否",
        "可能",
        "有没有",
        "担忧",
    }
)
# Small words a denial or worry reaches across ("不会 去 找 媒体", "担心 会 自燃", "没 人 受伤").
SCOPE_WORDS = frozenset(
    {
        "去",
        "来",
        "了",
        "过",
        "向",
        "跟",
        "到",
        "给",
        "也",
        "都",
        "再",
        "会",
        "想",
        "要",
        "打算",
        "准备",
        "用",
        "必",
        "曾",
        "是",
        "就",
        "把",
        "事情",
        "什么",
        "人",
        "有",
        "发生",
        "出现",
        "造成",
        "导致",
        "引起",
        "车",
        "车辆",
        "车子",
        "真的",
        "的",
    }
)
# Compounds that contain a rule word but mean something routine; taught to the tokenizer as whole words
# so that 安全带 is never 安全, 情绪失控 never 失控, 多媒体 never 媒体.
LOOKALIKE_WORDS = (
    "安全带",
    "安全起见",
    "注意安全",
    "安全检查",
    "安全提示",
    "安全座椅",
    "安全隐患",
    "安全驾驶",
    "情绪失控",
    "多媒体",
    "媒体屏",
    "气囊灯",
    "新闻联播",
    "律师事务所",
    "行车记录仪",
)
# A safety word directly followed by one of these names a warning lamp (气囊灯), not the event itself.
LAMP_PREFIXES = ("灯", "指示灯", "警告灯", "报警灯", "故障灯")

# --- Faults (seed 004: 同一故障多次修复) ---------------------------------------------------------------

# Routine service is never a fault (保养, 首保, 机油, 洗车 ...): an order or sentence that only names
# routine work has no fault, whatever system it mentions ("空调滤芯更换", "更换机油机滤").
ROUTINE_SERVICE_WORDS = (
    "保养",
    "首保",
    "定保",
    "机油",
    "机滤",
    "空滤",
    "汽滤",
    "滤芯",
    "换油",
    "洗车",
    "精洗",
    "美容",
    "打蜡",
    "镀晶",
    "贴膜",
    "车衣",
    "四轮定位",
    "轮胎换位",
    "加装",
    "年检",
    "检测",
    "清洗",
    "消毒",
    "除味",
    "添加",
    "玻璃水",
    "防冻液更换",
    "例行检查",
)

# What goes wrong (symptom), each a regular expression over the text. Different words for one symptom
# share a name: 异响, 有响声, 咔咔响 are all 异响.
FAULT_SYMPTOMS = {
    "异响": r"异响|异音|杂音|噪音|噪声|响声|声响|有响|发响|作响|响动|异常声音|声音(?:大|很大|异常|不正常)"
    r"|[咔咯哒嗒吱嘎咚嗡哐呜噔铛当啪][咔咯哒嗒吱嘎咚嗡哐呜噔铛当啪]?[的地]?[响声]"
    r"|(?:就|会|老是|一直|总是|还在|又|还|在|都|也)响",
    "抖动": r"抖|震动|振动|共振|震手|发麻|晃动|摆动",
    "顿挫": r"顿挫|冲击|闯挡|换挡不顺|换挡冲|挂挡冲|窜车|耸车|打滑|换挡迟缓|升挡慢",
    "漏油": r"漏油|渗油|滴油|油渍|漏.{0,2}油",
    "烧机油": r"烧机油|机油消耗(?:大|快|高)|机油(?:少得快|减少)",
    "漏水": r"漏水|渗水|进水|滴水|积水",
    "不制冷": r"不制冷|制冷(?:差|不好|效果差|不足)|不凉|不冷|出热风|冷气不足",
    "不制热": r"不制热|暖风不热|没有暖风|不出暖风|不热",
    "无法启动": r"无法启动|打不着|启动不了|不能启动|难启动|启动困难|着不了车|点不着|亏电|没电",
    "熄火": r"熄火|憋熄|自动停机",
    "故障灯亮": r"故障灯|报警灯|警告灯|指示灯亮|灯常亮|亮灯",
    "跑偏": r"跑偏|吃胎|偏磨|方向(?:盘)?不正|[往向朝][左右]偏|[左右]偏",
    "异味": r"异味|臭味|焦味|烧焦|汽油味|味道大",
    "动力不足": r"动力不足|加速无力|没劲|提速慢|加速慢|无力",
    "油耗高": r"油耗(?:高|大)|费油",
    "漏气": r"漏气|扎钉|鼓包|亏气|胎压低",
    "过热": r"水温高|开锅|过热",
    "冒烟": r"冒(?:白|黑|蓝)?烟",
    "失灵": r"失灵|失效|不工作|不好用|不灵|不能用|无反应|没反应|没有反应|坏了|卡滞|卡住|黑屏|死机|升降异常"
    r"|不回位|刮不干净|不干净|刹不住|制动距离长|刹车软|偏软|时好时坏|断断续续",
}
# Where it goes wrong (system). A fault is the same when the symptom matches and the systems agree (or one
# side names none): 刹车异响 is not 空调异响, but 咔咔响 may be 底盘咔咔响.
FAULT_SYSTEMS = {
    "刹车": r"刹车|制动|卡钳|踩刹|刹不住",
    "发动机": r"发动机|引擎|怠速|气缸|缸|点火|节气门|涡轮|机脚",
    "变速箱": r"变速箱|变速器|波箱|换挡|挂挡|挡位|档位|离合|DSG|CVT|双离合",
    "空调": r"空调|冷气|暖风|鼓风机|压缩机|出风口",
    "底盘": r"底盘|悬挂|悬架|减震|避震|减速带|摆臂|球头|平衡杆|稳定杆|纵臂|拉杆|后桥|半轴",
    "转向": r"方向盘|转向(?!灯)|方向机|助力",
    "轮胎": r"轮胎|轮毂|胎压|备胎|左前胎|右前胎|左后胎|右后胎",
    "车窗车门": r"车窗|玻璃升降|升降器|车门|门锁|尾门|后备箱|门把手",
    "天窗": r"天窗",
    "车机电器": r"中控|车机|屏幕|导航|音响|喇叭|倒车雷达|倒车影像|摄像头|蓝牙|仪表|收音机",
    "电瓶": r"电瓶|蓄电池|发电机|启动",
    "雨刮": r"雨刮|雨刷",
    "灯光": r"大灯|车灯|尾灯|雾灯|转向灯|近光|远光",
    "排气": r"排气|三元催化|消音器",
    "座椅": r"座椅|座位",
    "气囊": r"气囊",
    "燃油": r"油箱|油泵|喷油|油门",
    "冷却": r"水箱|冷却液|水温|水泵|散热",
}
# Symptoms that belong to one system whatever part the order names: an advisor writes the remedy
# ("跑偏 更换右前轮胎", "顿挫 升级程序"), so these match on the symptom alone.
SYSTEM_FREE_SYMPTOMS = frozenset(
    {"跑偏", "顿挫", "不制冷", "不制热", "无法启动", "熄火", "烧机油", "过热", "油耗高", "动力不足"}
)
# A symptom right after one of these is denied ("没有异响了", "不抖了").
FAULT_NEGATION_BEFORE = ("没有", "没", "无", "不再", "不")
