"""Reading a page's HTML forms: which fields post to which URL, with the values the page fills in."""

from html.parser import HTMLParser
from urllib.parse import urlsplit


class FormParser(HTMLParser):
    """Collects {action path: {field name: default value}} from every <form> of a page."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: dict[str, dict[str, str]] = {}
        self._fields: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            action = urlsplit(attrs.get("action") or attrs.get("hx-post") or "").path or self.page_path
            self._fields = self.forms.setdefault(action, {})
        elif tag == "option" and self._fields is not None and self._select:
            value = attrs.get("value", "")
            if "selected" in attrs or (value and not self._fields.get(self._select)):
                self._fields[self._select] = value
        elif self._fields is None or not attrs.get("name"):
            return
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs and attrs["name"] in self._fields:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self._fields[attrs["name"]] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select":
            self._select = attrs["name"]
            self._fields.setdefault(self._select, "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._fields[self._textarea] = ""

    def handle_data(self, data):
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(path: str, html: str) -> dict[str, dict[str, str]]:
    parser = FormParser(path)
    parser.feed(html)
    return parser.forms
