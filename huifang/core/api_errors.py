"""The API's error bodies, shared by every router: a reason for 401/403/404, and for 422 one item per
bad value naming its field, so a client can put each message beside its input."""

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from ninja.responses import Status

NON_FIELD = "__all__"


class ErrorOut(Schema):
    """403 / 404 / 401: a human-readable reason."""

    detail: str


class ValidationErrorItem(Schema):
    loc: list[str | int] = Field(description="Where the bad value is, e.g. ['body', 'payload', 'mobile']")
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """422: one item per bad field, each naming the field in `loc`."""

    detail: list[ValidationErrorItem]


def invalid(exc: ValidationError) -> Status:
    """A service's ValidationError as the 422 answer: one item per message, under its field."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
    return invalid_fields(by_field)


def invalid_fields(by_field: dict[str, list[str] | str]) -> Status:
    """A 422 answer for checks made in the API itself, e.g. {"month": "month must look like 2026-10"}."""
    return Status(422, _body(by_field))


def _body(by_field: dict[str, list[str] | str]) -> dict:
    items = [
        {"loc": ["body", "payload", field], "msg": str(message), "type": "value_error"}
        for field, messages in by_field.items()
        for message in ([messages] if isinstance(messages, str) else messages)
    ]
    return {"detail": items}


class InvalidInput(Exception):
    """Raised where returning is awkward (a helper parsing a parameter); answered like `invalid_fields`."""

    def __init__(self, by_field: dict[str, list[str] | str]):
        super().__init__(by_field)
        self.by_field = by_field


def invalid_input_handler(api):
    """The NinjaAPI exception handler for InvalidInput (registered in huifang/api.py)."""

    def handle(request, exc: InvalidInput):
        return api.create_response(request, _body(exc.by_field), status=422)

    return handle
