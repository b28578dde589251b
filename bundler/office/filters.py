"""The inbox filter as plain data: GET parameters in, a frozen dataclass out, and back.

`parse_filter` and `InboxFilter.args` are pure, so an inbox URL is shareable and the exports
use exactly the same filter; `bundler.office.listing` turns a filter into SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from bundler import bounded, workflow
from bundler.enums import Urgency, WishState

# Filter value meaning "not set yet" (no responsible ministry, no statute, no article).
NONE = "-"
PER_PAGE_CHOICES = (25, 50, 100)
# The states the inbox lists, in workflow order (a concept is the pilot's own).
INBOX_STATES: tuple[WishState, ...] = tuple(s for s in WishState if s in workflow.VISIBLE_TO_OFFICE)
SORTS = ("ingediend", "kenmerk", "titel", "status", "urgentie", "gewijzigd")
MAX_QUERY = 200


@dataclass(frozen=True)
class InboxFilter:
    """What the office asked the inbox for; the defaults show every submitted wish."""

    states: tuple[WishState, ...] = ()  # empty: every state the office sees
    ministry: str = ""  # ministry code, or NONE for wishes without one
    statute: str = ""  # BWB id, or NONE for wishes without a statute
    article: str = ""  # exact article, or NONE for wishes without one
    pilot: int | None = None  # raised or supported by this pilot
    municipality: str = ""  # CBS code: a pilot behind the wish has this municipality
    urgency: Urgency | None = None
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    q: str = ""  # full text, or a wish reference
    sort: str = "ingediend"
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE_CHOICES[0]

    # GET parameter names, in Dutch like the rest of the URLs.
    PARAMS = {  # noqa: RUF012 - a class constant, not a field
        "states": "status",
        "ministry": "ministerie",
        "statute": "wet",
        "article": "artikel",
        "pilot": "pilot",
        "municipality": "gemeente",
        "urgency": "urgentie",
        "submitted_from": "van",
        "submitted_to": "tot",
        "q": "zoek",
        "sort": "sorteer",
        "descending": "richting",
        "page": "pagina",
        "per_page": "per",
    }

    @property
    def shown_states(self) -> tuple[WishState, ...]:
        """Return the states listed: the chosen ones, or all the office sees."""
        return self.states or INBOX_STATES

    @property
    def is_filtered(self) -> bool:
        """Tell whether anything narrows the list (sorting and paging do not)."""
        keep = {"sort", "descending", "page", "per_page"}
        default = InboxFilter()
        return any(
            getattr(self, f.name) != getattr(default, f.name)
            for f in fields(self)
            if f.name not in keep
        )

    def args(self, **changes: Any) -> dict[str, str | list[str]]:
        """Return the GET parameters of this filter (defaults left out), with changes applied."""
        target = replace(self, **changes) if changes else self
        default = InboxFilter()
        result: dict[str, str | list[str]] = {}
        for f in fields(target):
            value = getattr(target, f.name)
            if value == getattr(default, f.name):
                continue
            name = self.PARAMS[f.name]
            if f.name == "states":
                result[name] = [s.value for s in value]
            elif f.name == "descending":
                result[name] = "op" if not value else "af"
            elif isinstance(value, dt.date):
                result[name] = value.isoformat()
            elif isinstance(value, Urgency):
                result[name] = value.value
            else:
                result[name] = str(value)
        return result

    def export_args(self) -> dict[str, str | list[str]]:
        """Return the parameters an export needs: the filter and order, not the page."""
        return self.args(page=1, per_page=PER_PAGE_CHOICES[0])


class Params:
    """Read single and repeated GET parameters from a MultiDict or a plain mapping."""

    def __init__(self, source: Mapping[str, Any]) -> None:
        self.source = source

    def get(self, name: str) -> str:
        value = self.source.get(name, "")
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        return str(value).strip()

    def getlist(self, name: str) -> list[str]:
        if hasattr(self.source, "getlist"):
            return [str(v) for v in self.source.getlist(name)]
        value = self.source.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def parse_filter(source: Mapping[str, Any]) -> InboxFilter:
    """Read an inbox filter from GET parameters; unknown or malformed values are ignored."""
    p, names = Params(source), InboxFilter.PARAMS
    states = []
    for raw in p.getlist(names["states"]):
        if raw in WishState._value2member_map_ and WishState(raw) in INBOX_STATES:
            state = WishState(raw)
            if state not in states:
                states.append(state)
    # Keep the workflow order, so the same selection always gives the same URL.
    ordered = tuple(s for s in INBOX_STATES if s in states)
    urgency_raw = p.get(names["urgency"])
    sort = p.get(names["sort"])
    per_page = bounded.parse_int(p.get(names["per_page"]))
    return InboxFilter(
        states=ordered,
        ministry=p.get(names["ministry"])[:16],
        statute=p.get(names["statute"]).upper()[:16] if p.get(names["statute"]) else "",
        article=p.get(names["article"])[:40],
        pilot=bounded.parse_id(p.get(names["pilot"])),
        municipality=p.get(names["municipality"]).upper()[:6],
        urgency=Urgency(urgency_raw) if urgency_raw in Urgency._value2member_map_ else None,
        submitted_from=bounded.parse_date(p.get(names["submitted_from"])),
        submitted_to=bounded.parse_date(p.get(names["submitted_to"])),
        q=p.get(names["q"])[:MAX_QUERY],
        sort=sort if sort in SORTS else "ingediend",
        descending=p.get(names["descending"]) != "op",
        page=bounded.parse_page(p.get(names["page"])),
        per_page=per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0],
    )
