"""Defaults of a new store's call workbench: questionnaire, scripts, thresholds; each a per-store setting."""

from decimal import Decimal

from huifang.followups.choices import RuleKind

from .choices import QuestionKind, ScriptScenario

# Issue 4 §5 example: an overall score at or below 6 (of 10) opens a complaint.
LOW_OVERALL_SCORE = 6
# Any other scored question this low (on the 1–10 scale; a 5-point answer is doubled first) opens a
# problem record for the advisor.
LOW_ITEM_SCORE = 5

# The questions whose answers the issue rules read, by stable code.
OVERALL_CODE = "overall"
COME_BACK_CODE = "come_back"

# Seed 002 "参考问卷题目" (问题一…问题九), in the seed's order. The weights come from the seed 002 CSS
# weight table ("CSS分数权重": 解释即将开展的维修工作10%, 接车过程迅速5%, 正确彻底完成维修保养工作15%,
# 服务站停留时间15%, 解释结算清单10%, 车辆干净并车况良好20%, 提车过程迅速5%, 有人协助提车5%,
# 服务人员积极友好地倾听要求和给予响应5%, 顾客休息区舒适10% = 100%), each CSS item given to the
# question that asks about it:
#   reception   (问题二 迎接的友好程度)      = 接车过程迅速 5 + 服务人员积极友好地倾听 5        = 10
#   done_right  (问题三 约定时间和费用下完成) = 正确彻底完成维修保养工作 15 + 服务站停留时间 15 = 30
#   explanation (问题四 解释项目价格及时间)   = 解释即将开展的维修工作 10                        = 10
#   lounge      (问题五 客休室舒适)           = 顾客休息区舒适 10                                = 10
#   car_wash    (问题六 免费清洗)             = 车辆干净并车况良好 20                            = 20
#   invoice     (问题七 车旁解释结算)         = 解释结算清单 10 + 提车过程迅速 5 + 有人协助提车 5 = 20
# The overall question (问题一) is reported on its own and drives the complaint rule, "would you come
# back" (问题八) is yes/no and drives its own rule, suggestions (问题九) are free text: all weight 0.
QUESTIONS: list[dict] = [
    {
        "code": OVERALL_CODE,
        "text": "那您对这次服务的整体满意度感觉如何呢？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("0"),
        "required": True,
    },
    {
        "code": "reception",
        "text": "请问您来店时服务顾问及时迎接的友好程度您还满意吗？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("10"),
        "required": True,
    },
    {
        "code": "done_right",
        "text": "服务顾问是否在约定时间和费用下准确完成工作？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("30"),
        "required": True,
    },
    {
        "code": "explanation",
        "text": "服务顾问是否为您解释本次维修/保养的项目价格及所需时间？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("10"),
        "required": True,
    },
    {
        "code": "lounge",
        "text": "在维修期间客休室设施是否让您轻松舒适？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("10"),
        "required": False,
    },
    {
        "code": "car_wash",
        "text": "交车给您时是否帮您车辆作免费清洗？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("20"),
        "required": True,
    },
    {
        "code": "invoice",
        "text": "在交车结算前服务顾问是否在车旁为您解释了最终的维修项目和费用？",
        "kind": QuestionKind.SCALE_10,
        "weight": Decimal("20"),
        "required": True,
    },
    {
        "code": COME_BACK_CODE,
        "text": "那您会再次到我们站维修吗？会帮我们推荐吗？",
        "kind": QuestionKind.YES_NO,
        "weight": Decimal("0"),
        "required": True,
    },
    {
        "code": "suggestions",
        "text": "您对我们店其他方面还有什么建议吗？",
        "kind": QuestionKind.TEXT,
        "weight": Decimal("0"),
        "required": False,
    },
]

# Step titles of every script (seed 000 "电话访问进行中之注意事项" b–m, in call order).
GREETING = "问候与身份"
PURPOSE = "来意"
QUESTIONS_STEP = "问题"
CLOSING = "结束语"

# Seed 000 C "电话回访演练" closes by reminding the next service and the benefits of an appointment (要领 k).
_CLOSING_POST_SERVICE = (
    "这样哦，真的感谢您每次的回厂，记得下次{next_service_km}公里（约{next_service_date}）要做保养，"
    "如果这段时间车辆方面有任何问题请尽快与我们联络，也可以找我，我是这里的{caller}。"
    "再提醒您下一次如果方便的话请预约入厂，预约可以减少您的等候时间，并为您预留工位和配件。"
    "不好意思耽误您的时间，再一次谢谢您。"
)


def _steps(*pairs: tuple[str, str]) -> list[dict]:
    return [{"title": title, "text": text} for title, text in pairs]


# Post-service call (修后回访): the four seed 000 dialogues.
_POST_SERVICE: dict[str, list[dict]] = {
    # 在家: the owner answers.
    ScriptScenario.OWNER: _steps(
        (GREETING, "喂！您好，这里是{store}，请问{customer}{title}在家吗？我是{store}的{caller}。"),
        (
            PURPOSE,
            "不好意思打扰您，因为您{delivered}开车（{plate} {model}）来店做了{ro_items}，"
            "我们想确认一下车子目前的使用状况。当时来店提出的问题都解决了吗？",
        ),
        (
            QUESTIONS_STEP,
            "那您来店时对于整个店的服务是否有令您不满意的地方？服务顾问{advisor}的服务态度您满意吗？"
            "完成的时间上是否让您等太久？车辆的清洁您满意吗？本次费用共{ro_amount}元，"
            "若有任何疑问，我可以为您解释。（按问卷逐题询问并记录分数）",
        ),
        (CLOSING, _CLOSING_POST_SERVICE),
    ),
    # 不在家: someone else answers; ask their relation and the best time to reach the owner (要领 j).
    ScriptScenario.SOMEONE_ELSE: _steps(
        (GREETING, "不好意思打扰您，我是{store}的{caller}。"),
        (
            PURPOSE,
            "我们找{customer}{title}是因为想了解{title}{delivered}开车（{plate}）回来保养/维修后有没有问题。",
        ),
        (
            QUESTIONS_STEP,
            "那请问一下您是{customer}{title}的……？现在要如何联络到{title}？大约几点才回来？"
            "平常和{title}联络怎么联络最方便？（记录接听人关系与车主最佳联络时间）",
        ),
        (
            CLOSING,
            "那没关系，不过麻烦您转告{customer}{title}，如果车辆有任何问题请通知我们，我们会很乐意帮忙处理，"
            "当然也可以直接找我，我是{store}的{caller}。谢谢您！",
        ),
    ),
    # 抱怨客户: the seed gives points (要领), not a dialogue; the steps follow them.
    ScriptScenario.COMPLAINING: _steps(
        (
            GREETING,
            "{customer}{title}您好，我是{store}的{caller}，关于您{delivered}（{plate}）的{ro_items}，"
            "给您添麻烦了，非常抱歉。",
        ),
        (
            PURPOSE,
            "耐心倾听，明确记录，并复述给{title}确认问题已记下；不论如何都不激烈争辩。"
            "品质或本店的失误，都代表公司向{title}道歉。",
        ),
        (
            QUESTIONS_STEP,
            "针对不满意加以解释并请求见谅；若为本店疏失，表示主动到府服务的决心；不合理的要求在行动上积极处理，"
            "条件上请示上级并约定答复时间；不确定的事请{title}协助确认或安排进厂日期和时间。",
        ),
        (
            CLOSING,
            "谢谢{title}告诉我们，我会马上把问题转给负责人，并在约定时间内给您回复；"
            "如需立即服务可安排拖车协助。再次向您道歉。",
        ),
    ),
    # 公司车: find the right person (driver, fleet manager, decision maker) and report to each.
    ScriptScenario.COMPANY_CAR: _steps(
        (
            GREETING,
            "您好，这里是{store}，我是{caller}，请问是{customer}负责车辆{plate}的专属司机（或车辆管理主管）吗？",
        ),
        (
            PURPOSE,
            "贵公司的{plate}（{model}）{delivered}在本店做了{ro_items}，我们想了解司机的用车感受，"
            "并向车辆管理主管报告车辆整体状况。",
        ),
        (
            QUESTIONS_STEP,
            "请问车辆目前状况如何？对本次服务满意吗？（按问卷询问；确认司机的联络方式、主管的分机和所属部门，"
            "以及决定采购或修护厂的人员）",
        ),
        (
            CLOSING,
            "谢谢您，贵公司的车下次约{next_service_km}公里（约{next_service_date}）需要保养，"
            "建议提前预约入厂，以便我们为贵公司预留工位。如有任何问题欢迎随时联系我们。",
        ),
    ),
}


def _short(greeting: str, purpose: str, questions: str, closing: str) -> dict[str, list[dict]]:
    """Owner, someone-else and company-car variants of a short call (reminders and the like)."""
    return {
        ScriptScenario.OWNER: _steps(
            (GREETING, greeting), (PURPOSE, purpose), (QUESTIONS_STEP, questions), (CLOSING, closing)
        ),
        ScriptScenario.SOMEONE_ELSE: _steps(
            (GREETING, "不好意思打扰您，我是{store}的{caller}，请问{customer}{title}在吗？"),
            (PURPOSE, purpose),
            (QUESTIONS_STEP, "请问您是{customer}{title}的……？平常什么时间、用什么方式联络{title}最方便？"),
            (CLOSING, "麻烦您转告{customer}{title}，我们稍后再联系，谢谢您！"),
        ),
        ScriptScenario.COMPANY_CAR: _steps(
            (GREETING, "您好，这里是{store}，我是{caller}，请问是负责车辆{plate}的司机或车辆管理主管吗？"),
            (PURPOSE, purpose),
            (QUESTIONS_STEP, questions),
            (CLOSING, closing),
        ),
    }


_HELLO = "{customer}{title}您好，我是{store}的{caller}，打扰您一分钟。"
_BOOK = "欢迎提前预约入厂，预约可以减少您的等候时间。谢谢您，祝您用车愉快！"

DEFAULT_SCRIPTS: dict[str, dict[str, list[dict]]] = {
    RuleKind.POST_SERVICE_CALL: _POST_SERVICE,
    RuleKind.FIRST_VISIT_SERIES: _short(
        _HELLO,
        "感谢您选择{store}，想了解一下您的{plate}（{model}）最近用车情况。",
        "用车还习惯吗？对我们店的服务有什么意见或建议？平常什么时间联络您最方便？",
        "下次约{next_service_km}公里（约{next_service_date}）需要保养。" + _BOOK,
    ),
    RuleKind.MAINTENANCE_REMINDER: _short(
        _HELLO,
        "您的爱车{plate}预计在{next_service_date}前后、约{next_service_km}公里需要定期保养。",
        "请问您方便什么时间来店？需要帮您预约吗？",
        _BOOK,
    ),
    RuleKind.FIRST_SERVICE_REMINDER: _short(
        _HELLO,
        "您的新车{plate}即将到首次免费保养时间（{next_service_date}，约{next_service_km}公里）。",
        "请问您方便什么时间来店？需要帮您预约吗？",
        _BOOK,
    ),
    RuleKind.WARRANTY_EXPIRY: _short(
        _HELLO,
        "您的爱车{plate}的质保即将到期，建议到店做一次全面检查。",
        "请问您方便什么时间来店检查？需要帮您预约吗？",
        _BOOK,
    ),
    RuleKind.INSURANCE_RENEWAL: _short(
        _HELLO,
        "您的爱车{plate}的保险即将到期。",
        "需要为您办理续保吗？方便的话我把报价发给您。",
        "谢谢您，如有任何问题欢迎随时联系我们。",
    ),
    RuleKind.APPOINTMENT_NO_SHOW: _short(
        _HELLO,
        "您预约的到店时间已经过了，我们没有等到您，想了解一下是不是临时有事？",
        "需要为您重新安排一个方便的时间吗？",
        "好的，已为您记下，谢谢您！",
    ),
    RuleKind.LOST_CUSTOMER: _short(
        _HELLO,
        "您的爱车{plate}已有一段时间没有回店保养了，想了解一下最近用车还好吗？",
        "是不是我们的服务有让您不满意的地方？请问有什么意见或建议？",
        "下次保养欢迎回店，" + _BOOK,
    ),
    RuleKind.COMPLAINT_FOLLOW_UP: {
        ScriptScenario.OWNER: _steps(
            (GREETING, _HELLO),
            (PURPOSE, "您之前反映的问题我们已处理完毕，想跟您确认一下处理结果。"),
            (QUESTIONS_STEP, "您对处理结果满意吗？还有其他需要我们协助的地方吗？"),
            (CLOSING, "谢谢您的理解和支持，以后有任何问题欢迎随时联系我们。"),
        ),
        ScriptScenario.SOMEONE_ELSE: _steps(
            (GREETING, "不好意思打扰您，我是{store}的{caller}，请问{customer}{title}在吗？"),
            (PURPOSE, "我们想跟{title}确认之前反映问题的处理结果。"),
            (QUESTIONS_STEP, "请问您是{customer}{title}的……？什么时间联络{title}最方便？"),
            (CLOSING, "麻烦您转告{customer}{title}，我们稍后再联系，谢谢您！"),
        ),
        ScriptScenario.COMPLAINING: _steps(
            (GREETING, _HELLO),
            (PURPOSE, "您之前反映的问题我们已处理完毕，想跟您确认一下处理结果。"),
            (
                QUESTIONS_STEP,
                "您对处理结果满意吗？（若不满意：耐心倾听，明确记录并复述；不争辩；"
                "代表公司道歉，约定答复时间，投诉将重新打开）",
            ),
            (CLOSING, "谢谢您告诉我们，我会马上转给负责人，并在约定时间内给您回复。"),
        ),
    },
}
# Issue 14 §2: the call on the day a new car is first-service lost (首保流失).
DEFAULT_SCRIPTS[RuleKind.FIRST_SERVICE_LOST] = _short(
    _HELLO,
    "您的新车{plate}自交车以来还没有回店做过首次保养，想了解一下最近用车情况。",
    "车辆使用还正常吗？是不是在别处做了保养，或者我们有什么地方做得不够好？",
    "按时保养对车辆和质保都很重要，" + _BOOK,
)

# Seed 001 sets a problem resolution rate target of 95%: an open problem record is recalled to its
# holder every day once it is this many days old.
PROBLEM_REMIND_AFTER_DAYS = 2
