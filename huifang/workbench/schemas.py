"""Typed shapes of the workbench API. Queue rows always carry masked phones; the pre-call read gives
full numbers only to roles that call, and logs that it did."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from huifang.archive.schemas import ErrorOut, StoreRef, ValidationErrorOut
from huifang.followups.choices import AttemptOutcome

from .choices import CallOutcome, IssueAction, ProblemStatus, QuestionKind, ScriptScenario

__all__ = ["ErrorOut", "ValidationErrorOut"]

NotReached = Literal[
    AttemptOutcome.NO_ANSWER,
    AttemptOutcome.BUSY,
    AttemptOutcome.SWITCHED_OFF,
    AttemptOutcome.WRONG_NUMBER,
    AttemptOutcome.SOMEONE_ELSE,
    AttemptOutcome.CALL_BACK,
]


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class QueueTask(Schema):
    """One row of the queue."""

    id: int
    store_id: int
    kind: str
    kind_label: str
    bucket: Literal["overdue", "due_now", "today", "later"]
    customer_id: int
    customer_name: str
    phone: str = Field(description="Masked, e.g. 138****5678", alias="phone_masked")
    plate: str
    due_at: datetime
    window_end: datetime
    attempts: int = Field(alias="attempts_count")
    quiet: bool = Field(description="Inside the store's quiet hours now")
    not_best_time: bool = Field(description="The customer's best contact time says not now")
    callback_at: datetime | None = Field(description="A promised call-back time still ahead")
    assigned_to: UserRef | None


class QueueCounts(Schema):
    overdue: int
    due_now: int
    today: int
    later: int
    total: int


class QueueOut(Schema):
    counts: QueueCounts
    truncated: bool = Field(description="More tasks than rows shown: narrow with the filters")
    overdue: list[QueueTask]
    due_now: list[QueueTask]
    today: list[QueueTask]
    later: list[QueueTask]


class NextOut(Schema):
    task: QueueTask | None = Field(description="null when nothing may be called now")


class FlagOut(Schema):
    code: str = Field(description="major_complaint, open_complaint, high_amount, sensitive_occupation, "
                      "quiet_hours, not_best_time, best_time, best_time_unknown, repeat_repair")  # fmt: skip
    label: str
    detail: str
    severity: Literal["bad", "warn", "ok", "info"]


class PrecallCustomer(Schema):
    id: int
    name: str
    kind: str
    gender: str
    occupation: str
    address: str
    email: str
    mobile: str = Field(description="Full only for roles that call (the read is logged), else masked")
    home_phone: str
    office_phone: str
    preferred_channel: str
    best_contact_time: str
    language: str
    level: str


class ContactOut(Schema):
    id: int
    role: str
    name: str
    phone: str
    extension: str
    department: str


class VehicleOut(Schema):
    id: int
    vin: str
    plate: str
    brand: str
    model: str
    current_km: int | None
    next_maintenance_km: int | None
    next_maintenance_date: str | None


class LineOut(Schema):
    kind: str
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class RepairOrderOut(Schema):
    id: int
    number: str
    ro_type: str
    opened_at: datetime
    delivered_at: datetime | None
    mileage_in: int | None
    advisor_name: str
    labour_amount: Decimal
    parts_amount: Decimal
    total_amount: Decimal
    fault_description: str
    is_repeat_repair: bool
    lines: list[LineOut]


class AnswerOut(Schema):
    code: str
    question: str
    kind: str
    value: int | None
    text: str


class EarlierCall(Schema):
    id: int
    ended_at: datetime
    outcome: CallOutcome
    score: Decimal | None
    comment: str
    answers: list[AnswerOut]


class ComplaintBrief(Schema):
    id: int
    number: str
    received_at: datetime
    status: str
    is_major: bool
    content: str


class StepOut(Schema):
    number: int
    title: str
    text: str
    missing: list[str] = Field(description="Placeholders without a value, left as written")


class ScriptRendered(Schema):
    scenario: ScriptScenario
    label: str
    steps: list[StepOut]


class QuestionOut(Schema):
    code: str
    text: str
    kind: QuestionKind
    weight: Decimal
    required: bool


class QuestionnaireOut(Schema):
    id: int
    store_id: int
    version: int
    is_current: bool
    note: str
    created_at: datetime
    questions: list[QuestionOut]


class PrecallOut(Schema):
    task: QueueTask
    customer: PrecallCustomer
    vehicle: VehicleOut | None
    repair_order: RepairOrderOut | None
    contacts: list[ContactOut] = Field(description="Company cars: driver, fleet manager, decision maker")
    calls: list[EarlierCall]
    complaints: list[ComplaintBrief]
    flags: list[FlagOut]
    scenario: ScriptScenario
    scripts: list[ScriptRendered]
    questionnaire: QuestionnaireOut


class AnswerIn(Schema):
    value: int | None = Field(None, description="1–10, 1–5, or 1 = yes / 0 = no")
    text: str = Field("", max_length=2000)


class CorrectionsIn(Schema):
    """Basic data confirmed or corrected during the call; send only what changed."""

    mobile: str | None = None
    home_phone: str | None = None
    office_phone: str | None = None
    address: str | None = Field(None, max_length=255)
    best_contact_time: str | None = Field(None, max_length=100)
    preferred_channel: str | None = None
    email: str | None = Field(None, max_length=254)


class CallIn(Schema):
    outcome: CallOutcome
    attempt_outcome: NotReached = Field(
        AttemptOutcome.NO_ANSWER, description="Why not reached (only with outcome not_reached)"
    )
    # A question code is never empty: an empty key is a 422 on `answers`, not an unknown question "answer_".
    answers: dict[Annotated[str, StringConstraints(min_length=1)], AnswerIn] = Field(
        default_factory=dict, description="By question code"
    )
    comment: str = Field("", max_length=4000)
    # Aware times only: a time without an offset is a 422 naming the field, not a naive/aware comparison.
    started_at: AwareDatetime | None = None
    corrections: CorrectionsIn | None = None
    relation: str = Field("", max_length=50, description="Who answered, when not the owner")
    best_time: str = Field("", max_length=100, description="Best time to reach the owner, as told")
    callback_at: AwareDatetime | None = None
    recording_url: str = Field("", max_length=500)


class ProblemOut(Schema):
    id: int
    store_id: int
    call_id: int
    customer_id: int
    customer_name: str
    repair_order_id: int | None
    assigned_to: UserRef | None
    description: str
    status: ProblemStatus
    created_at: datetime
    resolved_at: datetime | None
    resolution: str

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class CallOut(Schema):
    id: int
    store_id: int
    task_id: int
    task_status: str
    customer_id: int
    outcome: CallOutcome
    attempt_outcome: str
    score: Decimal | None
    started_at: datetime | None
    ended_at: datetime
    duration_seconds: int | None
    comment: str
    issue_reasons: list[str]
    complaint_id: int | None
    complaint_number: str | None
    problems: list[ProblemOut]
    questionnaire_version: int | None
    answers: list[AnswerOut]
    caller: UserRef | None
    advisor_name: str
    recording_url: str
    has_recording_file: bool
    recording_file_url: str | None = Field(description="Where the caller and managers play the file")


class ScriptOut(Schema):
    id: int
    kind: str
    scenario: ScriptScenario
    steps: list[dict]
    updated_at: datetime | None


class StepIn(Schema):
    title: str = Field(..., max_length=100)
    text: str = Field(..., max_length=2000)


class ScriptIn(Schema):
    steps: list[StepIn]


class QuestionIn(Schema):
    code: str = Field(..., max_length=30)
    text: str = Field(..., max_length=300)
    kind: QuestionKind = QuestionKind.SCALE_10
    weight: Decimal = Field(Decimal("0"), ge=0, le=100)
    required: bool = True


class QuestionnaireIn(Schema):
    questions: list[QuestionIn]
    note: str = Field("", max_length=255)


class CallPolicyOut(Schema):
    store_id: int
    low_overall_score: int
    low_overall_action: IssueAction
    no_return_action: IssueAction
    low_item_score: int
    low_item_action: IssueAction


class CallPolicyIn(Schema):
    low_overall_score: int | None = Field(None, ge=0, le=10)
    low_overall_action: IssueAction | None = None
    no_return_action: IssueAction | None = None
    low_item_score: int | None = Field(None, ge=0, le=10)
    low_item_action: IssueAction | None = None


class ResolveIn(Schema):
    resolution: str = Field(..., min_length=1, max_length=4000)


class ReassignIn(Schema):
    store: str = Field(..., description="Store code")
    task_ids: list[int] = Field(..., min_length=1, max_length=1000)
    to_user: int = Field(..., description="Id of a colleague who may hold tasks in the store")


class ReassignOut(Schema):
    moved: int


class BehindOut(Schema):
    assigned_to: int | None
    name: str
    on_leave: bool
    overdue: int
    oldest: datetime


class TeamOut(Schema):
    store: StoreRef
    behind: list[BehindOut]
