"""The canonical DMS fields and the header texts (Chinese and English) that mean each of them.

A saved per-store ImportMapping (header -> field) is consulted first; these synonyms after it.
Headers are compared after `normalize_header` (case, spaces, punctuation, units in brackets removed).
"""

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    entity: str  # customer, contact, vehicle, repair_order, line
    label_zh: str
    label_en: str
    synonyms: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    # Customer
    Field(
        "customer_code",
        "customer",
        "客户编号",
        "Customer code",
        ("客户代码", "客户ID", "客户号", "车主编号", "customer id", "customer no", "cust code", "cust no", "cust id"),
    ),
    Field(
        "customer_name",
        "customer",
        "客户名称",
        "Customer name",
        ("客户姓名", "车主", "车主姓名", "车主名称", "姓名", "客户", "name", "owner", "owner name", "cust name"),
    ),
    Field(
        "customer_type",
        "customer",
        "客户类型",
        "Customer type",
        ("客户性质", "个人/单位", "type", "customer kind", "客户类别代码", "cust type"),
    ),
    Field("gender", "customer", "性别", "Gender", ("sex",)),
    Field("birthday", "customer", "生日", "Birthday", ("出生日期", "客户生日", "date of birth", "dob", "birth date")),
    Field("birthday_calendar", "customer", "生日历法", "Birthday calendar", ("农历生日", "阴历", "公历/农历", "lunar")),
    Field(
        "id_number",
        "customer",
        "证件号码",
        "ID number",
        ("身份证号", "身份证", "证件号", "统一社会信用代码", "组织机构代码", "id no", "id card"),
    ),
    Field(
        "occupation", "customer", "职业", "Occupation", ("行业", "职业/行业", "工作单位性质", "industry", "profession")
    ),
    Field("customer_level", "customer", "客户级别", "Customer level", ("客户等级", "level")),
    Field("customer_category", "customer", "客户类别", "Customer category", ("客户分类", "category")),
    Field("address", "customer", "地址", "Address", ("联系地址", "通讯地址", "家庭住址", "住址", "单位地址")),
    Field("email", "customer", "电子邮箱", "E-mail", ("邮箱", "email", "e-mail", "mail")),
    Field(
        "mobile",
        "customer",
        "手机",
        "Mobile",
        (
            "手机号",
            "手机号码",
            "移动电话",
            "联系手机",
            "联系电话",
            "电话",
            "mobile phone",
            "cell",
            "phone",
            "mobile no",
            "mobile number",
            "cell phone",
            "tel",
        ),
    ),
    Field("home_phone", "customer", "家庭电话", "Home phone", ("住宅电话", "宅电", "家庭座机", "home tel")),
    Field(
        "office_phone",
        "customer",
        "办公电话",
        "Office phone",
        ("单位电话", "公司电话", "工作电话", "office tel", "work phone"),
    ),
    Field(
        "preferred_channel", "customer", "首选联系方式", "Preferred channel", ("联系方式偏好", "偏好渠道", "channel")
    ),
    Field(
        "best_contact_time",
        "customer",
        "最佳联系时间",
        "Best contact time",
        ("方便联系时间", "联系时间", "contact time"),
    ),
    Field("language", "customer", "语言", "Language", ("方言", "语言/方言", "dialect")),
    Field(
        "marketing_consent",
        "customer",
        "接受营销信息",
        "Marketing consent",
        ("是否接受短信", "营销许可", "同意接收信息", "短信许可", "consent", "sms consent"),
    ),
    Field("customer_source", "customer", "客户来源", "Customer source", ("来源", "source")),
    Field(
        "club_level",
        "customer",
        "车友会等级",
        "Car club level",
        ("车友会级别", "会员等级", "会员级别", "club level", "member level"),
    ),
    # Company-car contacts (seed 002 顾客信息管理重点: 领导名称/领导电话/司机名称/司机电话)
    Field("driver_name", "contact", "司机名称", "Driver name", ("司机", "司机姓名", "专属司机", "driver")),
    Field("driver_phone", "contact", "司机电话", "Driver phone", ("司机手机", "司机宅电", "driver phone")),
    Field(
        "manager_name",
        "contact",
        "领导名称",
        "Manager name",
        ("领导", "领导姓名", "车管负责人", "联系人", "主管", "fleet manager", "manager"),
    ),
    Field(
        "manager_phone", "contact", "领导电话", "Manager phone", ("领导手机", "联系人电话", "领导宅电", "manager phone")
    ),
    Field("manager_extension", "contact", "分机", "Extension", ("分机号", "ext", "extension")),
    # Vehicle
    Field(
        "vin",
        "vehicle",
        "VIN",
        "VIN",
        ("车架号", "底盘号", "车辆识别代号", "车辆识别码", "车辆识别号", "vin code", "vin no", "chassis no"),
    ),
    Field(
        "plate",
        "vehicle",
        "车牌号",
        "Plate",
        ("车牌", "车牌号码", "号牌", "号牌号码", "license plate", "plate no", "plate number"),
    ),
    Field("brand", "vehicle", "品牌", "Brand", ("make",)),
    Field("model", "vehicle", "车型", "Model", ("车系", "车型名称", "vehicle model", "series")),
    Field("trim", "vehicle", "配置", "Trim", ("车型配置", "车款", "版本", "version", "variant")),
    Field(
        "purchase_date",
        "vehicle",
        "购车日期",
        "Purchase date",
        ("购买日期", "销售日期", "开票日期", "建档日期", "purchase", "sale date", "purch date", "sales date"),
    ),
    Field(
        "delivery_date",
        "vehicle",
        "新车交车日期",
        "Vehicle delivery date",
        ("新车交付日期", "交付日期", "新车交车", "vehicle delivery"),
    ),
    Field(
        "warranty_end_date",
        "vehicle",
        "质保到期日",
        "Warranty end date",
        ("保修到期日", "质保到期", "保修截止日期", "warranty end", "warranty expiry"),
    ),
    Field("warranty_end_km", "vehicle", "质保里程", "Warranty end km", ("保修里程", "质保截止里程", "warranty km")),
    Field(
        "insurance_expiry",
        "vehicle",
        "保险到期日",
        "Insurance expiry",
        ("保险日期", "保险到期", "商业险到期日", "insurance expiry date", "insurance date"),
    ),
    Field(
        "inspection_due",
        "vehicle",
        "年检到期日",
        "Inspection due",
        ("年检日期", "年审日期", "年检到期", "inspection date"),
    ),
    Field(
        "licence_due",
        "vehicle",
        "证照年审日期",
        "Licence due",
        ("驾驶证年审", "证照到期", "license due", "licence renewal"),
    ),
    # Repair order
    Field(
        "ro_number",
        "repair_order",
        "工单号",
        "RO number",
        (
            "委托书号",
            "工单编号",
            "维修单号",
            "委托书编号",
            "结算单号",
            "ro no",
            "ro",
            "repair order",
            "order no",
            "order number",
        ),
    ),
    Field(
        "ro_type",
        "repair_order",
        "维修类型",
        "RO type",
        ("工单类型", "维修类别", "业务类型", "服务类型", "repair type", "service type", "type of repair"),
    ),
    Field(
        "opened_at",
        "repair_order",
        "进厂时间",
        "Opened at",
        (
            "进厂日期",
            "开单时间",
            "开单日期",
            "接车时间",
            "入厂时间",
            "open date",
            "opened",
            "check in",
            "check in time",
            "check in date",
            "open time",
            "time in",
            "ro date",
        ),
    ),
    Field(
        "delivered_at",
        "repair_order",
        "交车时间",
        "Delivered at",
        (
            "出厂时间",
            "结算时间",
            "交车日期",
            "出厂日期",
            "完工交车时间",
            "delivered",
            "delivery time",
            "check out",
            "check out time",
            "check out date",
            "time out",
        ),
    ),
    Field(
        "mileage",
        "repair_order",
        "进厂里程",
        "Mileage",
        ("里程", "行驶里程", "里程数", "公里数", "表显里程", "mileage in", "odometer"),
    ),
    Field(
        "advisor",
        "repair_order",
        "服务顾问",
        "Service advisor",
        ("接待员", "服务顾问姓名", "sa", "advisor", "service advisor name"),
    ),
    Field("technician", "repair_order", "维修技师", "Technician", ("技师", "主修技师", "technician name")),
    Field(
        "labour_amount",
        "repair_order",
        "工时费",
        "Labour amount",
        ("工时费用", "工时金额", "labor", "labour", "labor amount", "labour amt", "labor amt"),
    ),
    Field(
        "parts_amount",
        "repair_order",
        "材料费",
        "Parts amount",
        ("配件费", "零件费", "材料金额", "配件金额", "parts", "parts amt", "part amt"),
    ),
    Field(
        "total_amount",
        "repair_order",
        "总金额",
        "Total amount",
        ("结算金额", "合计金额", "工单金额", "金额合计", "应收金额", "total", "amount total", "total amt", "ro amt"),
    ),
    Field(
        "fault_description",
        "repair_order",
        "故障描述",
        "Fault description",
        ("客户描述", "客户需求", "报修内容", "故障现象", "fault", "complaint", "customer request"),
    ),
    Field("is_repeat_repair", "repair_order", "返修", "Repeat repair", ("是否返修", "返修标记", "repeat", "comeback")),
    Field("is_appointment", "repair_order", "预约", "Appointment", ("是否预约", "预约进厂", "appointment", "booked")),
    # Repair order line (one row per labour item or part; RO columns repeat)
    Field("line_kind", "line", "项目类型", "Line kind", ("明细类型", "行类型", "line type", "item type")),
    Field(
        "line_code",
        "line",
        "项目代码",
        "Line code",
        ("配件编号", "零件号", "工时代码", "项目编号", "item code", "part no"),
    ),
    Field(
        "line_description",
        "line",
        "维修项目",
        "Line description",
        (
            "项目名称",
            "配件名称",
            "零件名称",
            "工时名称",
            "作业项目",
            "item",
            "item description",
            "description",
            "item desc",
            "desc",
            "line desc",
        ),
    ),
    Field("line_quantity", "line", "数量", "Quantity", ("qty", "quantity")),
    Field("line_unit_price", "line", "单价", "Unit price", ("unit price", "price")),
    Field(
        "line_amount",
        "line",
        "金额",
        "Line amount",
        ("小计", "行金额", "line amount", "item amount", "line amt", "item amt", "amt"),
    ),
)

FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

_UNITS = re.compile(r"[(\[（【].*?[)\]）】]")
_NOISE = re.compile(r"[\s_\-—/\\.:：*#]+")


def normalize_header(text: str) -> str:
    """'  手机号码（必填）' and '手机号码' compare equal; so do 'Plate No.' and 'plate no'."""
    value = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "").strip().lower()
    value = _UNITS.sub("", value)
    return _NOISE.sub("", value)


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for field in FIELDS:
        for text in (field.name, field.label_zh, field.label_en, *field.synonyms):
            index.setdefault(normalize_header(text), field.name)
    return index


SYNONYMS: dict[str, str] = _synonym_index()


# When no synonym matches exactly, a header is guessed from the words it contains, most specific
# first (e.g. 'VIN码', '车辆VIN号', '牌照号码', '维修日期', '结算总金额'). The web mapping page shows the
# guesses for confirmation; unmatched headers are listed as ignored in every import report.
KEYWORD_GUESSES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    # (any of these words, and any of these too (empty = no second condition), field)
    (("vin", "车架", "底盘", "识别代", "识别码"), (), "vin"),
    (("车牌", "牌照", "号牌"), (), "plate"),
    (("司机", "驾驶员"), ("电话", "手机", "tel", "phone"), "driver_phone"),
    (("司机", "驾驶员"), (), "driver_name"),
    (("领导", "联系人", "负责人", "车管"), ("电话", "手机", "tel", "phone"), "manager_phone"),
    (("分机",), (), "manager_extension"),
    (("领导", "联系人", "负责人", "车管"), (), "manager_name"),
    (("宅电", "住宅", "家庭电话", "家里电话", "家电"), (), "home_phone"),
    (("单位电话", "办公", "公司电话", "工作电话"), (), "office_phone"),
    (("手机", "移动电话", "mobile", "电话", "tel", "phone"), (), "mobile"),
    (("邮箱", "email", "e-mail", "mail"), (), "email"),
    (("工单", "委托书", "维修单", "结算单"), ("号", "编号", "no", "number", "id"), "ro_number"),
    (("里程", "公里", "odometer", "mileage"), (), "mileage"),
    (("工时费", "工时金额", "labour", "labor"), (), "labour_amount"),
    (("材料费", "配件费", "零件费", "材料金额", "配件金额", "parts"), (), "parts_amount"),
    (("总金额", "合计", "总计", "结算金额", "应收", "实收", "total"), (), "total_amount"),
    (("新车交车", "新车交付"), (), "delivery_date"),
    (("交车", "出厂", "结算", "完工", "deliver"), ("日期", "时间", "date", "time"), "delivered_at"),
    (("进厂", "开单", "接车", "入厂", "维修日期", "来店", "到店"), (), "opened_at"),
    (("checkout",), (), "delivered_at"),
    (("checkin",), (), "opened_at"),
    (("保险",), ("到期", "日期", "截止"), "insurance_expiry"),
    (("年检", "年审"), (), "inspection_due"),
    (("质保", "保修"), ("里程", "公里", "km"), "warranty_end_km"),
    (("质保", "保修"), ("到期", "日期", "截止"), "warranty_end_date"),
    (("购车", "购买", "开票", "销售日期"), (), "purchase_date"),
    (("维修类", "工单类", "业务类", "服务类", "维修性质", "repair type"), (), "ro_type"),
    (("服务顾问", "接待", "顾问", "advisor"), (), "advisor"),
    (("技师", "technician"), (), "technician"),
    (("故障", "客户描述", "报修"), (), "fault_description"),
    (("客户编", "客户号", "客户代码", "客户id", "会员号", "车主编"), (), "customer_code"),
    (("客户名", "车主名", "车主姓", "客户姓", "姓名", "车主", "单位名称"), (), "customer_name"),
    (("生日", "出生"), (), "birthday"),
    (("身份证", "证件", "信用代码"), (), "id_number"),
    (("性别",), (), "gender"),
    (("职业", "行业"), (), "occupation"),
    (("地址", "住址"), (), "address"),
    (("车型", "车系"), (), "model"),
    (("品牌",), (), "brand"),
)


def guess_field(header: str) -> str:
    """The field a header names: an exact synonym, else a keyword guess ("" when neither)."""
    key = normalize_header(header)
    if not key:
        return ""
    if key in SYNONYMS:
        return SYNONYMS[key]
    for first, second, field in KEYWORD_GUESSES:
        if any(w in key for w in first) and (not second or any(w in key for w in second)):
            return field
    return ""


def match_headers(headers: list[str], saved: dict[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Map column positions to canonical fields; return (position -> field, headers left unmatched).

    A saved mapping (header text -> field, or -> "" to ignore) wins over the built-in synonyms, and
    exact synonyms win over keyword guesses. The first column that claims a field keeps it; a later
    duplicate is reported as unmatched.
    """
    saved_norm = {normalize_header(k): v for k, v in (saved or {}).items()}
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    guessed: list[tuple[int, str]] = []
    unmatched: list[str] = []
    for position, header in enumerate(headers):
        key = normalize_header(header)
        if not key:
            continue
        field = saved_norm[key] if key in saved_norm else SYNONYMS.get(key)
        if key in saved_norm and not field:
            unmatched.append(str(header))  # the store chose to ignore this column: never guessed
            continue
        if field and field in FIELDS_BY_NAME and field not in taken:
            mapping[position] = field
            taken.add(field)
        else:
            guessed.append((position, str(header)))
    for position, header in guessed:
        field = guess_field(header)
        if field and field not in taken:
            mapping[position] = field
            taken.add(field)
        else:
            unmatched.append(header)
    return mapping, unmatched


# Group cells of a two-row header whose columns belong to a company's contact person, not to the customer
# (星云 DMS: '联系人' over '姓名' and '电话').
_CONTACT_GROUP_WORDS = ("联系人", "领导", "司机", "驾驶员", "车管", "负责人", "经办人", "contact", "driver", "manager")


def is_contact_group(text: str) -> bool:
    """True when a group cell above the header names a contact person's columns."""
    key = normalize_header(text)
    return bool(key) and any(word in key for word in _CONTACT_GROUP_WORDS)
