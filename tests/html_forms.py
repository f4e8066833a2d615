"""Reading a page's form fields as a browser would submit them."""

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The values a browser would submit from the first form of a fragment."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox":
            if "checked" in attrs:
                self.values[attrs["name"]] = attrs.get("value") or "on"
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def form_values(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    parser.values.pop("csrfmiddlewaretoken", None)
    return parser.values
