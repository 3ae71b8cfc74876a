"""The main menu: each entry shows for the roles its screen lets in, taken from the app's own role set,
so the menu never offers a page the user would get 403 on (nor hides one they may use)."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE, SETUP_ROLES
from huifang.appointments.selectors import SETTINGS_ROLES as APPOINTMENT_SETTINGS_ROLES
from huifang.appointments.selectors import VIEWER_ROLES as APPOINTMENT_ROLES
from huifang.board.selectors import BOARD_ADMIN_ROLES
from huifang.complaints.selectors import COMPLAINT_ROLES, POLICY_EDITOR_ROLES, REGIONAL_ROLES
from huifang.core.permissions import request_roles
from huifang.followups.effectiveness import EFFECTIVENESS_ROLES
from huifang.followups.selectors import RULE_VIEWER_ROLES
from huifang.messaging.selectors import OUTBOX_ROLES
from huifang.operations.selectors import READ_ROLES as OPERATIONS_ROLES
from huifang.privacy.selectors import PRIVACY_ROLES
from huifang.reports.selectors import REPORT_ROLES
from huifang.robots.selectors import SETTINGS_ROLES as ROBOT_SETTINGS_ROLES
from huifang.surveys.selectors import SETTINGS_ROLES as SURVEY_SETTINGS_ROLES
from huifang.workbench.selectors import SETTINGS_ROLES as WORKBENCH_SETTINGS_ROLES
from huifang.workbench.selectors import WORKBENCH_ROLES


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    roles: frozenset | None = None  # None: every signed-in user
    accesskey: str = ""
    more: bool = False  # listed under "More" so the bar keeps the screens used all day


MENU: tuple[MenuItem, ...] = (
    MenuItem("reports:dashboard", _("Dashboard"), accesskey="d"),
    MenuItem("workbench:queue", _("Call workbench"), WORKBENCH_ROLES, accesskey="w"),
    MenuItem("complaints:list", _("Complaints"), COMPLAINT_ROLES, accesskey="c"),
    MenuItem("appointments:calendar", _("Appointments"), frozenset(APPOINTMENT_ROLES), accesskey="a"),
    MenuItem("complaints:regional", _("Regional complaints"), REGIONAL_ROLES),
    MenuItem("archive:customer_search", _("Customers"), accesskey="s"),
    MenuItem("archive:statistics", _("Statistics"), more=True),
    MenuItem("archive:duplicates", _("Duplicates"), ROLES_THAT_EDIT_ARCHIVE, more=True),
    MenuItem("archive:import_list", _("DMS import"), more=True),
    MenuItem("appointments:import", _("Appointment import"), ROLES_THAT_EDIT_ARCHIVE, more=True),
    MenuItem("messaging:outbox_list", _("Outbox"), OUTBOX_ROLES, more=True),
    MenuItem("followups:index", _("Follow-ups"), RULE_VIEWER_ROLES, more=True),
    MenuItem("followups_effectiveness:effectiveness", _("Reminder effectiveness"), EFFECTIVENESS_ROLES, more=True),
    MenuItem("reports:kpis", _("KPIs"), REPORT_ROLES),
    MenuItem("reports:css", _("Customer satisfaction (CSS)"), REPORT_ROLES, more=True),
    MenuItem("workbench:problems", _("Problem records"), WORKBENCH_ROLES, more=True),
    MenuItem("workbench:settings", _("Call settings"), WORKBENCH_SETTINGS_ROLES, more=True),
    MenuItem("complaints:settings", _("Complaint settings"), POLICY_EDITOR_ROLES, more=True),
    MenuItem("surveys:settings_index", _("Survey settings"), SURVEY_SETTINGS_ROLES, more=True),
    MenuItem("appointments:settings", _("Appointment settings"), frozenset(APPOINTMENT_SETTINGS_ROLES), more=True),
    MenuItem("board:settings_index", _("Team board"), BOARD_ADMIN_ROLES, more=True),
    MenuItem("robots:settings_index", _("Work-group robot"), ROBOT_SETTINGS_ROLES, more=True),
    MenuItem("privacy:access_log", _("Access log"), PRIVACY_ROLES, more=True),
    MenuItem("privacy:retention_index", _("Retention list"), PRIVACY_ROLES, more=True),
    MenuItem("operations:index", _("Everyday operations"), OPERATIONS_ROLES),
    MenuItem("accounts:store_list", _("Stores and users"), SETUP_ROLES, more=True),
)


def menu_for(roles: set[str]) -> list[MenuItem]:
    """The entries a user holding `roles` (anywhere) may open."""
    return [item for item in MENU if item.roles is None or roles & item.roles]


def main_menu(request):
    """Context processor: the signed-in user's menu; every view still checks the role per store."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = frozenset(request_roles(request))
    menu = menu_for(set(roles))
    return {"menu": menu, "menu_names": {item.url_name for item in menu}, "menu_html": _menu_html(roles)}


_MENU_HTML: dict[tuple, SafeString] = {}


def _menu_html(roles: frozenset) -> SafeString:
    """The menu bar, rendered once per process for each (language, script prefix, roles): its two dozen
    {% url %} and labels cost every page about a millisecond (issue 18). The key is everything the HTML is
    made of, so no copy is ever stale; a few role sets and two languages keep the map small."""
    key = (get_language(), get_script_prefix(), roles)
    html = _MENU_HTML.get(key)
    if html is None:
        html = _MENU_HTML[key] = SafeString(render_to_string("_mainnav.html", {"menu": menu_for(set(roles))}))
    return html
