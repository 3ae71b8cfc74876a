"""The call screen's heading, its waiting notice and its customer, vehicle and repair-order cards made in Python
(issue 18).

Each value the template showed cost a template node some 50-150 Python calls (lookup, filter, localization,
escaping); these make the very markup call.html made, line for line, every value shown as a template variable
is (call_rendering._shown: localized, escaped unless already safe), dates as the date filter writes them, labels
translated as {% kept_trans %} gives them. tests/workbench/test_call_screen_html.py renders the screen through
the template as it was and compares the pages.
"""

from datetime import date, datetime

from django.conf import settings
from django.template.defaultfilters import urlencode
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext

from .call_rendering import _amounts, _date, _shown, labels, url_of


def _or_dash(value) -> str:
    """`{{ value|default:"—" }}`."""
    return _shown(value) if value else "—"


def _minute(value, zone) -> str:
    """`{{ value|date:"Y-m-d H:i" }}` of a datetime ("" for None), an aware one seen in `zone` (the current one)."""
    if value is None:
        return ""
    if settings.USE_TZ and value.utcoffset() is not None:
        value = value.astimezone(zone)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def _day(value) -> str:
    """`{{ value|date:"Y-m-d" }}` of a date or None."""
    if value is None:
        return ""
    if isinstance(value, datetime) or not isinstance(value, date):  # a date field holds dates; else the filter
        return _date(value, "Y-m-d")
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def head_html(*, task, precall: dict, choice_labels: dict, is_open: bool, booking_ends_kinds, path: str) -> SafeString:
    """The screen's heading: task kind, customer, plate, deadline and assignee, status, and its links."""
    _label = labels().__getitem__
    pk, nxt = _shown(task.pk), url_of("workbench:next")
    plate = f'<span class="plate">{_or_dash(precall["vehicle"].plate)}</span>' if precall["vehicle"] else ""
    assignee = f" · {_shown(task.assigned_to)}" if task.assigned_to else ""
    status = f'<span class="badge">{_shown(choice_labels["status"])}</span>' if not is_open else ""
    book = ""
    if is_open:
        back = nxt if task.kind in booking_ends_kinds else _shown(urlencode(path))
        book = (
            f'<a class="button" id="wb-book" href="{url_of("appointments:book")}?customer='
            f'{_shown(precall["customer"].pk)}&task={pk}&next={back}">{_label("Book a visit")} <kbd>b</kbd></a>'
        )
    return SafeString(
        f'<div class="wb-head">\n  <h1>{_shown(choice_labels["kind"])} · {_shown(precall["customer"].name)}</h1>\n'
        f"  {plate}\n"
        f'  <span class="muted small">{_label("Due by")} {_minute(task.window_end, get_current_timezone())}'
        f"{assignee}</span>\n  {status}\n"
        f'  <div class="actions">\n    <a href="{url_of("workbench:queue")}">{_label("Queue")}</a>\n'
        f'    <a class="button" href="{nxt}?skip={pk}">{_label("Skip to the next task")} <kbd>n</kbd></a>\n'
        f"    {book}\n"
        f'    <button type="button" class="link" data-toggle="wb-legend">{_label("Keys")} <kbd>?</kbd></button>\n'
        "  </div>\n</div>"
    )


def waiting_html(waiting_until) -> SafeString:
    """The notice of a task opened while it waits for its next try (issue 14 §3), or nothing."""
    if not waiting_until:
        return SafeString("")
    at = waiting_until.astimezone(get_current_timezone()) if settings.USE_TZ else waiting_until
    text = gettext(
        "This task waits until %(t)s before its next try; an attempt recorded now is kept but does not count as "
        "a new try."
    ) % {"t": f"{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"}
    return SafeString(f'<div class="card warn" id="wb-waiting" role="status">{text}</div>')


def cards_html(precall: dict, *, choice_labels: dict, phones: dict, contacts_html: str, lines_html: str) -> SafeString:
    """The customer's card, then the vehicle's and the repair order's when the task has them."""
    return SafeString(
        customer_card(
            customer=precall["customer"],
            kind_label=choice_labels["customer_kind"],
            channel_label=choice_labels["channel"],
            phones=phones,
            contacts_html=contacts_html,
        )
        + vehicle_card(precall["vehicle"])
        + "\n    "
        + repair_order_card(precall["repair_order"], type_label=choice_labels["ro_type"], lines_html=lines_html)
    )


def customer_card(*, customer, kind_label: str, channel_label: str, phones: dict, contacts_html: str) -> str:
    _label = labels().__getitem__
    c = customer
    rows = [
        f'    <section class="card">\n      <h2>{_label("Customer")} <a class="small" href="'
        f'{url_of("archive:customer_detail", c.pk)}">{_label("360° page")}</a></h2>\n      <dl class="facts">\n'
        f'        <dt>{_label("Name")}</dt><dd>{_shown(c.name)} <span class="muted small">{_shown(kind_label)}'
        f"</span></dd>\n        <dt>{_label('Mobile')}</dt><dd>{phones['mobile']}</dd>\n        ",
        f"<dt>{_label('Home phone')}</dt><dd>{phones['home_phone']}</dd>" if c.home_phone else "",
        "\n        ",
        f"<dt>{_label('Office phone')}</dt><dd>{phones['office_phone']}</dd>" if c.office_phone else "",
        f"\n        <dt>{_label('Best contact time')}</dt><dd>{_or_dash(c.best_contact_time)}</dd>\n"
        f"        <dt>{_label('Preferred channel')}</dt><dd>{_or_dash(channel_label)}</dd>\n        ",
        f"<dt>{_label('Occupation')}</dt><dd>{_shown(c.occupation)}</dd>" if c.occupation else "",
        "\n        ",
        f"<dt>{_label('Address')}</dt><dd>{_shown(c.address)}</dd>" if c.address else "",
        "\n      </dl>\n      ",
    ]
    if contacts_html:
        rows.append(
            f"\n      <h3>{_label('Company car: who to talk to')}</h3>\n"
            '      <table class="grid wb-lines" id="wb-contacts">\n'
            f"        <tbody>{contacts_html}</tbody>\n      </table>\n      "
        )
    rows.append("\n    </section>\n    ")
    return "".join(rows)


def vehicle_card(vehicle) -> str:
    _label = labels().__getitem__
    if not vehicle:
        return ""
    v = vehicle
    rows = [
        f'\n    <section class="card">\n      <h2>{_label("Vehicle")}</h2>\n      <dl class="facts">\n'
        f"        <dt>{_label('Plate')}</dt><dd>{_or_dash(v.plate)}</dd>\n"
        f"        <dt>{_label('Model')}</dt><dd>{_shown(v.brand)} {_shown(v.model)} {_shown(v.trim)}</dd>\n"
        f'        <dt>VIN</dt><dd class="mono small">{_shown(v.vin)}</dd>\n        ',
        f"<dt>{_label('Latest mileage')}</dt><dd>{_shown(v.current_km)} km</dd>" if v.current_km else "",
        "\n        ",
    ]
    if v.next_maintenance_km or v.next_maintenance_date:
        km = f"{_shown(v.next_maintenance_km)} km" if v.next_maintenance_km else ""
        rows.append(f"<dt>{_label('Next service')}</dt><dd>{km} {_day(v.next_maintenance_date)}</dd>")
    rows.append("\n      </dl>\n    </section>\n    ")
    return "".join(rows)


def repair_order_card(ro, *, type_label: str, lines_html: str) -> str:
    _label = labels().__getitem__
    if not ro:
        return ""
    amount = _amounts()
    repeat = f' <span class="badge bad">{_label("repeat repair")}</span>' if ro.is_repeat_repair else ""
    rows = [
        f'\n    <section class="card" id="wb-ro">\n      <h2>{_label("Repair order")} <span class="mono small">'
        f'{_shown(ro.number)}</span></h2>\n      <dl class="facts">\n'
        f"        <dt>{_label('Type')}</dt><dd>{_shown(type_label)}{repeat}</dd>\n"
        f"        <dt>{_label('Delivered')}</dt><dd>{_minute(ro.delivered_at, get_current_timezone()) or '—'}</dd>\n"
        f"        <dt>{_label('Service advisor')}</dt><dd>{_or_dash(ro.advisor_name)}</dd>\n        ",
        f"<dt>{_label('Technician')}</dt><dd>{_shown(ro.technician_name)}</dd>" if ro.technician_name else "",
        "\n        ",
        f"<dt>{_label('Request')}</dt><dd>{_shown(ro.fault_description)}</dd>" if ro.fault_description else "",
        f'\n        <dt>{_label("Amounts")}</dt><dd class="nowrap">{_label("labour")} ¥{amount(ro.labour_amount)} · '
        f"{_label('parts')} ¥{amount(ro.parts_amount)} · <b>{_label('total')} ¥{amount(ro.total_amount)}</b></dd>\n"
        "      </dl>\n      ",
    ]
    if lines_html:
        rows.append(
            f'\n      <table class="grid wb-lines">\n        <thead><tr><th>{_label("Item")}</th><th class="num">'
            f'{_label("Qty")}</th><th class="num">{_label("Amount")}</th></tr></thead>\n'
            f"        <tbody>{lines_html}</tbody>\n      </table>\n      "
        )
    rows.append("\n    </section>\n    ")
    return "".join(rows)
