"""What a browser would submit from a page's form: every input, checked box, textarea and selected option."""
from __future__ import annotations

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, action_part: str):
        super().__init__(convert_charrefs=True)
        self.action_part, self.inside, self.done = action_part, False, False
        self.values: list[tuple[str, str]] = []
        self.textarea: tuple[str, list[str]] | None = None
        self.select: str | None = None
        self.first_option: tuple[str, str] | None = None
        self.selected = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.action_part in (a.get("action") or ""):
            self.inside = a.get("method", "get").lower() == "post"
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((name, a.get("value", "on")))
            else:
                self.values.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select, self.first_option, self.selected = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.first_option is None:
                self.first_option = (self.select, value)
            if "selected" in a:
                self.values.append((self.select, value))
                self.selected = True

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "textarea" and self.textarea:
            text = "".join(self.textarea[1])
            self.values.append((self.textarea[0], text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.selected and self.first_option:
                self.values.append(self.first_option)
            self.select = None
        elif tag == "form":
            self.inside, self.done = False, True


def form_values(html: str, action_part: str) -> dict[str, list[str]]:
    """The first POST form whose action contains `action_part`, as name -> values."""
    parser = _Form(action_part)
    parser.feed(html)
    out: dict[str, list[str]] = {}
    for name, value in parser.values:
        out.setdefault(name, []).append(value)
    assert out, f"no POST form with {action_part!r} in its action"
    return out
