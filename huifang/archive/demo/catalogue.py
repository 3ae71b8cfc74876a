"""The word lists and price lists the demo generator draws from: names, models, parts and labour.

Prices are in fen (1/100 RMB) so sums stay exact; part numbers follow the Volkswagen/Skoda pattern.
"""

from dataclasses import dataclass

from huifang.archive.choices import RepairOrderType

SURNAMES = (
    "张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"  # the twenty most common, drawn most often
    "梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹"
)
COMMON_SURNAME_COUNT = 20
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋勋峰建国志文博晨"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲丹萍红婷雪琳晶颖洁倩慧莉佳欣怡悦蓉秀琴梅兰雯璐露瑶"
GIVEN_NEUTRAL = "嘉子晓思雨一家梓少振永海天云春小"

COMPANY_PLACES = ("深圳市", "深圳市", "深圳市", "深圳前海")
COMPANY_WORDS = (
    "华信",
    "鹏程",
    "宏达",
    "创维",
    "南山",
    "盛世",
    "恒通",
    "中科",
    "华强",
    "粤海",
    "金桥",
    "新天地",
    "智汇",
    "蓝海",
    "星河",
    "顺达",
    "远航",
    "安泰",
    "德信",
    "永利",
)
COMPANY_TRADES = (
    ("科技有限公司", "信息技术"),
    ("电子有限公司", "电子制造"),
    ("贸易有限公司", "商贸"),
    ("物流有限公司", "物流运输"),
    ("建筑工程有限公司", "建筑"),
    ("投资发展有限公司", "金融投资"),
    ("实业有限公司", "制造业"),
    ("医疗器械有限公司", "医疗"),
    ("餐饮管理有限公司", "餐饮"),
    ("文化传媒有限公司", "文化传媒"),
)

# (occupation, weight); the press, lawyers and government are flagged sensitive (seed 000).
OCCUPATIONS = (
    ("企业职员", 30),
    ("私营业主", 14),
    ("教师", 8),
    ("医生", 5),
    ("工程师", 10),
    ("公务员", 3),
    ("销售", 8),
    ("自由职业", 6),
    ("金融", 5),
    ("IT", 8),
    ("退休", 3),
    ("网约车司机", 3),
    ("记者", 1),
    ("律师", 1),
    ("政府机关", 1),
    ("电视台", 1),
)
LEVELS = (("A", 15), ("B", 45), ("C", 35), ("VIP", 5))
CATEGORIES_INDIVIDUAL = (("私家车", 92), ("网约车", 8))
CLUB_LEVELS = (("", 55), ("普通会员", 25), ("银卡会员", 12), ("金卡会员", 6), ("钻石会员", 2))
LANGUAGES = (("普通话", 60), ("粤语", 30), ("客家话", 6), ("潮汕话", 4))
CONTACT_TIMES = (
    ("", 40),
    ("工作日 18:00-20:00", 20),
    ("周末全天", 15),
    ("上午 10:00-12:00", 10),
    ("下午 14:30-17:30", 10),
    ("午休后 14:00 以后", 5),
)
DISTRICTS = ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区", "龙华区", "光明区", "坪山区", "盐田区")
STREETS = (
    "深南大道",
    "滨海大道",
    "科技园路",
    "华强北路",
    "新安路",
    "布吉路",
    "民治大道",
    "沙河西路",
    "宝安大道",
    "北环大道",
)
ESTATES = ("花园", "名苑", "华庭", "公馆", "新村", "雅居", "湾畔", "城")

ADVISORS = ("王磊", "李娜", "陈静", "刘洋", "张伟", "黄晓明")
TECHNICIANS = ("郭建国", "周海涛", "吴志刚", "徐永强", "孙鹏", "马超", "朱文博", "胡振华")


@dataclass(frozen=True)
class CarModel:
    name: str  # 明锐
    english: str  # Octavia
    vds: str  # VIN characters 4-8
    trims: tuple[str, ...]
    oil_litres: int  # tenths of a litre, e.g. 40 = 4.0 L
    weight: int  # share of the store's sales


MODELS = (
    CarModel(
        "明锐",
        "Octavia",
        "AN6NE",
        ("TSI200 DSG 豪华版", "TSI280 DSG 旗舰版", "1.5L 手动 标准版", "PRO TSI280 豪华版"),
        40,
        36,
    ),
    CarModel("昊锐", "Superb", "AP7NF", ("TSI330 DSG 豪华版", "TSI380 DSG 旗舰版", "TSI330 DSG 智行版"), 57, 12),
    CarModel("晶锐", "Fabia", "AJ2NC", ("1.5L 自动 前行版", "1.5L 手动 标准版"), 38, 6),
    CarModel(
        "柯迪亚克", "Kodiaq", "AS7NK", ("TSI330 两驱 豪华版", "TSI380 四驱 旗舰版 7座", "GT TSI330 豪华版"), 57, 16
    ),
    CarModel("柯珞克", "Karoq", "AS6NC", ("TSI280 DSG 豪华版", "TSI280 DSG 舒适版"), 40, 16),
    CarModel("柯米克", "Kamiq", "AW5NB", ("1.5L 自动 舒适版", "1.5L 自动 豪华版", "GT 1.5L 自动"), 38, 14),
)
BRAND = "斯柯达"

# Model-year letters of VIN position 10 (GB 16735): I, O, Q, U, Z and 0 are never used.
YEAR_CODES = {2019: "K", 2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S", 2026: "T", 2027: "V"}
PLANT_CODES = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Item:
    kind: str  # labour or part
    code: str
    description: str
    unit_fen: int
    quantity_centi: int = 100  # hundredths: 400 = 4 pieces


def labour(code: str, description: str, rmb: float) -> Item:
    return Item("labour", code, description, round(rmb * 100))


def part(code: str, description: str, rmb: float, quantity: float = 1) -> Item:
    return Item("part", code, description, round(rmb * 100), round(quantity * 100))


OIL = part("G052195M4", "机油 0W-20 (升)", 98)
OIL_FILTER = part("04E115561H", "机油滤清器", 68)
DRAIN_WASHER = part("N0138157", "放油螺栓垫片", 5)
CHANGE_OIL = labour("1000A", "更换机油机滤", 120)
CHECK = labour("0100A", "全车免费检查", 0)
AIR_FILTER = (labour("2391A", "更换空气滤清器", 60), part("5Q0129620B", "空气滤清器", 128))
CABIN_FILTER = (labour("8770A", "更换空调滤芯", 60), part("5Q0819653", "空调滤芯", 158))
SPARK_PLUGS = (labour("2835A", "更换火花塞", 180), part("04E905612C", "火花塞", 85, 4))  # four of them
BRAKE_FLUID = (labour("4700A", "更换刹车油", 150), part("B000750M3", "刹车油 DOT4 (升)", 120))
UPSELLS = (
    (labour("4431A", "四轮定位", 300),),
    (labour("4420A", "轮胎换位及动平衡", 120),),
    (labour("2420A", "清洗节气门", 280), part("G017500A2", "节气门清洗剂", 60)),
    (labour("8790A", "空调系统清洗", 380), part("G052582A1", "空调清洗剂", 98)),
    (labour("2000A", "燃油系统清洗", 260), part("G001770A2", "燃油添加剂", 88)),
    (labour("9200A", "更换雨刮片", 40), part("5E1998002", "雨刮片 (套)", 260)),
)

# Paid repairs: (fault as the customer says it, the lines that fix it).
REPAIRS = (
    ("前轮刹车异响", (labour("4610A", "更换前刹车片", 240), part("5Q0698151", "前刹车片 (套)", 680))),
    ("后轮刹车异响", (labour("4620A", "更换后刹车片", 220), part("5Q0698451", "后刹车片 (套)", 520))),
    (
        "刹车抖动",
        (
            labour("4630A", "更换前刹车盘", 360),
            part("5Q0615301F", "前刹车盘", 1100),
            part("5Q0698151", "前刹车片 (套)", 680),
        ),
    ),
    ("空调不制冷", (labour("8710A", "空调系统检漏及加注冷媒", 380), part("G052A1234", "冷媒 R134a (公斤)", 180, 0.6))),
    ("车辆无法启动 电瓶亏电", (labour("2710A", "更换蓄电池", 120), part("JZW915105", "蓄电池 60Ah", 1280))),
    ("左前车窗升降异常", (labour("6410A", "更换玻璃升降器", 280), part("5E0837461", "左前玻璃升降器", 860))),
    ("发动机故障灯亮 怠速抖动", (labour("2840A", "更换点火线圈", 160), part("04E905110K", "点火线圈", 420))),
    ("轮胎扎钉漏气", (labour("4410A", "补胎", 60),)),
    ("左前轮胎鼓包", (labour("4415A", "更换轮胎及动平衡", 80), part("MICH225", "轮胎 225/45R17", 980))),
    ("底盘异响 过减速带咯噔响", (labour("4010A", "更换前稳定杆连杆", 260), part("5Q0411315", "稳定杆连杆", 320))),
    ("雨刮刮不干净", (labour("9200A", "更换雨刮片", 40), part("5E1998002", "雨刮片 (套)", 260))),
)
# Faults that come back: the ones a repeat-repair story is built from (the same words each time).
REPEAT_FAULTS = (
    (
        "DSG换挡顿挫 低速冲击",
        (labour("3410A", "变速箱基本设定及程序升级", 450), part("0AM927769", "变速箱机电单元", 8600)),
    ),
    ("空调不制冷", (labour("8710A", "空调系统检漏及加注冷媒", 380), part("G052A1234", "冷媒 R134a (公斤)", 180, 0.6))),
    ("发动机故障灯亮 怠速抖动", (labour("2840A", "更换点火线圈", 160), part("04E905110K", "点火线圈", 420))),
    ("方向盘异响", (labour("4810A", "检查转向系统 更换转向管柱", 600), part("5Q1419502", "转向管柱", 3200))),
)
WARRANTIES = (
    ("水泵漏水 防冻液报警", (labour("1910A", "更换水泵总成", 480), part("04E121600AL", "水泵总成", 1650))),
    ("发动机漏油", (labour("1520A", "更换气门室盖垫", 520), part("04E103483", "气门室盖垫", 380))),
    ("DSG换挡顿挫 低速冲击", (labour("3410A", "更换变速箱机电单元", 900), part("0AM927769", "变速箱机电单元", 8600))),
    ("中控屏黑屏死机", (labour("9100A", "更换信息娱乐主机", 300), part("5G0035680", "信息娱乐主机", 5200))),
    ("天窗漏水", (labour("6700A", "清理天窗排水管并密封", 360),)),
    ("节温器故障 水温过高", (labour("1930A", "更换节温器", 320), part("04E121113", "节温器", 680))),
)
ACCIDENTS = (
    (
        "前部碰撞 保险杠破损",
        (
            labour("5000A", "拆装前保险杠", 350),
            labour("5100A", "前保险杠喷漆", 650),
            part("5E0807221", "前保险杠", 2380),
            part("5E0941015", "左前大灯总成", 4680),
        ),
    ),
    (
        "左侧刮擦",
        (labour("5100A", "左前门喷漆", 650), labour("5100A", "左后门喷漆", 650), labour("5200A", "钣金修复", 800)),
    ),
    (
        "追尾 后部受损",
        (
            labour("5010A", "拆装后保险杠", 320),
            labour("5100A", "后保险杠喷漆", 650),
            part("5E5807421", "后保险杠", 2100),
            part("5E5945095", "左尾灯", 1350),
        ),
    ),
    ("前挡风玻璃裂纹", (labour("6300A", "更换前挡风玻璃", 400), part("5E0845011", "前挡风玻璃", 2600))),
    ("右后视镜撞坏", (labour("6610A", "更换右后视镜总成", 120), part("5E1857508", "右后视镜总成", 1850))),
)
# One recall campaign per model year range (recall = free, paid by the maker).
RECALLS = (
    ("召回: 更换后轴纵臂", (labour("R2401A", "召回 更换后轴纵臂", 380), part("5Q0505224", "后轴纵臂", 720))),
    ("召回: 升级发动机控制单元软件", (labour("R2402A", "召回 发动机控制单元软件升级", 200),)),
)
OTHERS = (
    ("精洗美容", (labour("9900A", "全车精洗", 120),)),
    ("加装行车记录仪", (labour("9910A", "加装行车记录仪", 200), part("000063A10", "原厂行车记录仪", 980))),
    ("贴隐形车衣", (labour("9920A", "全车贴隐形车衣", 2000), part("PPF0001", "隐形车衣 (套)", 6800))),
    ("空调消毒除味", (labour("8795A", "空调消毒除味", 180),)),
)

RO_TYPE_WEIGHTS = {
    RepairOrderType.REPAIR: 0.45,  # visits a year per car
    RepairOrderType.WARRANTY: 0.18,  # per year while under warranty
    RepairOrderType.INSURANCE: 0.12,
    RepairOrderType.OTHER: 0.2,
}
