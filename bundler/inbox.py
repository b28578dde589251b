"""The office's inbox: filter parameters as plain data, and the read queries built from them.

`parse_filter` and `InboxFilter.args` are pure (GET parameters in, a frozen dataclass out, and
back), so an inbox URL is shareable and the exports use exactly the same filter. The query
functions turn a filter into SQL; the overview and exports load plain rows with a fixed number
of column queries, never one ORM object per wish.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import workflow
from bundler.enums import Urgency, WishState
from bundler.grouping import PilotInfo, WishItem
from bundler.models import (
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishSupport,
    wish_ministry,
)
from bundler.numbering import parse_wish_reference

# Filter value meaning "not set yet" (no responsible ministry, no statute, no article).
NONE = "-"
PER_PAGE_CHOICES = (25, 50, 100)
# The states the inbox lists, in workflow order (a concept is the pilot's own).
INBOX_STATES: tuple[WishState, ...] = tuple(s for s in WishState if s in workflow.VISIBLE_TO_OFFICE)
SORTS = ("ingediend", "kenmerk", "titel", "status", "urgentie", "gewijzigd")
MAX_QUERY = 200
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _int(value: str, default: int | None = None) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return default


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
    per_page = _int(p.get(names["per_page"]), PER_PAGE_CHOICES[0])
    page = _int(p.get(names["page"]), 1) or 1
    pilot = _int(p.get(names["pilot"]))
    return InboxFilter(
        states=ordered,
        ministry=p.get(names["ministry"])[:16],
        statute=p.get(names["statute"]).upper()[:16] if p.get(names["statute"]) else "",
        article=p.get(names["article"])[:40],
        pilot=pilot if pilot is not None and 0 < pilot < 2**31 else None,
        municipality=p.get(names["municipality"]).upper()[:6],
        urgency=Urgency(urgency_raw) if urgency_raw in Urgency._value2member_map_ else None,
        submitted_from=_date(p.get(names["submitted_from"])),
        submitted_to=_date(p.get(names["submitted_to"])),
        q=p.get(names["q"])[:MAX_QUERY],
        sort=sort if sort in SORTS else "ingediend",
        descending=p.get(names["descending"]) != "op",
        page=max(1, min(page, 1_000_000)),
        per_page=per_page if per_page in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0],
    )


@dataclass(frozen=True)
class Pagination:
    """Where a page sits in the whole list."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)

    def window(self, size: int = 2) -> list[int | None]:
        """Return page numbers to link to, with None for a gap: 1 … 4 5 6 … 20."""
        shown = {1, self.pages, *range(self.page - size, self.page + size + 1)}
        result: list[int | None] = []
        previous = 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous > 1:
                result.append(None)
            result.append(number)
            previous = number
        return result


def paginate(page: int, per_page: int, total: int) -> Pagination:
    """Clamp the page to the pages that exist."""
    pages = max(1, math.ceil(total / per_page))
    return Pagination(min(max(page, 1), pages), per_page, total)


# -- queries ----------------------------------------------------------------------------------


def _text_match(query: str) -> ColumnElement[bool]:
    from bundler.search import matching_wish_ids

    # A materialised CTE makes the database find the matches through the full-text index
    # first; otherwise PostgreSQL may walk the sort index and compute to_tsvector per row.
    found = matching_wish_ids(query).cte("fulltext_match").prefix_with("MATERIALIZED")
    words = Wish.id.in_(select(found.c.id))
    reference = query.strip().upper()
    if parse_wish_reference(reference):
        return or_(Wish.reference == reference, words)
    return words


def _pilots_with_municipality(cbs_code: str) -> Select[int]:
    return (
        select(PilotMunicipality.pilot_id)
        .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
        .where(Municipality.cbs_code == cbs_code, PilotMunicipality.left_on.is_(None))
    )


def _backed_by(pilot_ids: Select[int] | list[int]) -> ColumnElement[bool]:
    """Wishes raised or supported by one of these pilots."""
    supported = select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilot_ids))
    return or_(Wish.pilot_id.in_(pilot_ids), Wish.id.in_(supported))


def conditions(
    f: InboxFilter, *, with_states: bool = True, tz: dt.tzinfo = LOCAL_TIME
) -> list[ColumnElement[bool]]:
    """Translate a filter into WHERE conditions on Wish; dates are days in local time."""
    states = f.shown_states if with_states else INBOX_STATES
    # "Everything but concepts" as a != lets the database walk the sort column's index
    # instead of sorting every wish (SQLite picks the state index for a long IN list).
    where: list[ColumnElement[bool]] = [
        Wish.state != WishState.CONCEPT
        if set(states) == set(INBOX_STATES)
        else Wish.state.in_(states)
    ]
    if f.ministry == NONE:
        where.append(~Wish.id.in_(select(wish_ministry.c.wish_id)))
    elif f.ministry:
        where.append(
            Wish.id.in_(
                select(wish_ministry.c.wish_id)
                .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
                .where(Ministry.code == f.ministry)
            )
        )
    if f.statute == NONE:
        where.append(Wish.statute_id.is_(None))
    elif f.statute:
        where.append(Wish.statute_id.in_(select(Statute.id).where(Statute.bwb_id == f.statute)))
    if f.article == NONE:
        where.append(Wish.article == "")
    elif f.article:
        where.append(Wish.article == f.article)
    if f.pilot is not None:
        where.append(_backed_by([f.pilot]))
    if f.municipality:
        where.append(_backed_by(_pilots_with_municipality(f.municipality)))
    if f.urgency is not None:
        where.append(Wish.urgency == f.urgency)
    if f.submitted_from is not None:
        start = dt.datetime.combine(f.submitted_from, dt.time.min, tzinfo=tz)
        where.append(Wish.submitted_at >= start)
    if f.submitted_to is not None:
        end = dt.datetime.combine(f.submitted_to + dt.timedelta(days=1), dt.time.min, tz)
        where.append(Wish.submitted_at < end)
    if f.q:
        where.append(_text_match(f.q))
    return where


_URGENCY_RANK = case(
    {Urgency.HIGH: 3, Urgency.NORMAL: 2, Urgency.LOW: 1}, value=Wish.urgency, else_=0
)
_STATE_RANK = case({s: i for i, s in enumerate(WishState)}, value=Wish.state, else_=99)


def order_by(f: InboxFilter) -> list[Any]:
    """Return the ORDER BY of a filter, with the id as a stable tie-breaker."""
    column: Any = {
        "ingediend": Wish.submitted_at,
        "kenmerk": Wish.reference,
        "titel": func.lower(Wish.title),
        "status": _STATE_RANK,
        "urgentie": _URGENCY_RANK,
        "gewijzigd": Wish.updated_at,
    }[f.sort]
    if f.descending:
        return [column.desc(), Wish.id.desc()]
    return [column.asc(), Wish.id.asc()]


def state_counts(
    session: Session, f: InboxFilter, tz: dt.tzinfo = LOCAL_TIME
) -> dict[WishState, int]:
    """Count wishes per state under the filter, ignoring its state choice (for the tabs)."""
    rows = session.execute(
        select(Wish.state, func.count())
        .where(and_(*conditions(f, with_states=False, tz=tz)))
        .group_by(Wish.state)
    ).all()
    found = {WishState(state): number for state, number in rows}
    return {s: found.get(s, 0) for s in INBOX_STATES}


def inbox_page(
    session: Session, f: InboxFilter, tz: dt.tzinfo = LOCAL_TIME
) -> tuple[list[Wish], Pagination, dict[WishState, int]]:
    """Return one page of wishes, its pagination and the counts per state."""
    counts = state_counts(session, f, tz)
    total = sum(counts[s] for s in f.shown_states)
    pagination = paginate(f.page, f.per_page, total)
    # Page through narrow rows (sort key and id), then load just those wishes in full.
    page_ids = list(
        session.scalars(
            select(Wish.id)
            .where(*conditions(f, tz=tz))
            .order_by(*order_by(f))
            .limit(pagination.per_page)
            .offset((pagination.page - 1) * pagination.per_page)
        )
    )
    loaded = {
        w.id: w
        for w in session.scalars(
            select(Wish)
            .where(Wish.id.in_(page_ids))
            .options(
                selectinload(Wish.statute),
                selectinload(Wish.ministries),
                selectinload(Wish.pilot),
                selectinload(Wish.supports),
            )
        )
    }
    wishes = [loaded[i] for i in page_ids]
    return wishes, pagination, counts


# -- plain rows for the overview and exports ----------------------------------------------------


@dataclass(frozen=True)
class WishRow:
    """A wish as plain data for exports: its grouping item plus dates and urgency."""

    item: WishItem
    urgency: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    statute_short_title: str = ""


@dataclass
class _PilotCache:
    """Every pilot once, with its current municipalities and executing organisation."""

    names: dict[int, str] = field(default_factory=dict)
    organisations: dict[int, str | None] = field(default_factory=dict)
    municipalities: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    infos: dict[tuple[int, bool], PilotInfo] = field(default_factory=dict)

    def info(self, pilot_id: int, *, raising: bool) -> PilotInfo:
        key = (pilot_id, raising)
        if key not in self.infos:
            self.infos[key] = PilotInfo(
                name=self.names.get(pilot_id, "?"),
                municipalities=tuple(self.municipalities.get(pilot_id, ())),
                executing_organisation=self.organisations.get(pilot_id),
                raising=raising,
            )
        return self.infos[key]


def _pilot_cache(session: Session) -> _PilotCache:
    cache = _PilotCache()
    for pilot_id, name, organisation in session.execute(
        select(Pilot.id, Pilot.name, ExecutingOrganisation.name).outerjoin(
            ExecutingOrganisation, ExecutingOrganisation.id == Pilot.executing_organisation_id
        )
    ):
        cache.names[pilot_id] = name
        cache.organisations[pilot_id] = organisation
    for pilot_id, code, name in session.execute(
        select(PilotMunicipality.pilot_id, Municipality.cbs_code, Municipality.name)
        .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
        .where(PilotMunicipality.left_on.is_(None))
        .order_by(Municipality.name)
    ):
        cache.municipalities.setdefault(pilot_id, []).append((code, name))
    return cache


_ITEM_COLUMNS = (
    Wish.id,
    Wish.reference,
    Wish.title,
    Wish.state,
    Wish.statute_id,
    Wish.article,
    Wish.paragraph,
    Wish.pilot_id,
)
_EXTRA_COLUMNS = (Wish.urgency, Wish.submitted_at, Wish.updated_at)


def _load(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    *,
    extras: bool,
) -> Iterator[tuple[WishItem, tuple[Any, ...]]]:
    """Yield a WishItem (and the extra columns) per wish, from six queries in all.

    Core statements on the session's connection: no ORM objects, so 100,000 wishes stay cheap.
    """
    connection = session.connection()
    ids = select(Wish.id).where(*where)
    statutes = {
        sid: (bwb, title, short)
        for sid, bwb, title, short in connection.execute(
            select(Statute.id, Statute.bwb_id, Statute.title, Statute.short_title)
        ).all()
    }
    found: dict[int, list[str]] = {}
    for wish_id, code in connection.execute(
        select(wish_ministry.c.wish_id, Ministry.code)
        .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
        .where(wish_ministry.c.wish_id.in_(ids))
        .order_by(Ministry.code)
    ).all():
        found.setdefault(wish_id, []).append(code)
    ministries = {wish_id: tuple(codes) for wish_id, codes in found.items()}
    pilots = _pilot_cache(session)
    raising = {pid: pilots.info(pid, raising=True) for pid in pilots.names}
    supporting = {pid: pilots.info(pid, raising=False) for pid in pilots.names}
    supporters: dict[int, list[PilotInfo]] = {}
    for wish_id, pilot_id in connection.execute(
        select(WishSupport.wish_id, WishSupport.pilot_id)
        .where(WishSupport.wish_id.in_(ids))
        .order_by(WishSupport.created_at, WishSupport.id)
    ).all():
        supporters.setdefault(wish_id, []).append(supporting[pilot_id])
    unknown = (None, "", "")
    columns = _ITEM_COLUMNS + _EXTRA_COLUMNS if extras else _ITEM_COLUMNS
    # fetchall in one go: much cheaper than a fetch per row at 100,000 rows.
    for row in connection.execute(select(*columns).where(*where).order_by(*order)).all():
        wish_id, reference, title, state, statute_id, article, paragraph, pilot_id = row[:8]
        bwb, statute_title, short = statutes.get(statute_id, unknown)
        backing = (raising[pilot_id], *supporters.get(wish_id, ()))
        item = WishItem(
            wish_id,
            reference,
            title,
            state.value,
            ministries.get(wish_id, ()),
            bwb,
            statute_title,
            article,
            paragraph,
            backing,
        )
        yield item, (*row[8:], short)


def load_rows(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any] = (Wish.reference,),
) -> list[WishRow]:
    """Load the wishes matching `where` as plain rows with dates, for exports."""
    return [
        WishRow(
            item=item,
            urgency=urgency.value,
            submitted_at=submitted_at,
            updated_at=updated_at,
            statute_short_title=short,
        )
        for item, (urgency, submitted_at, updated_at, short) in _load(
            session, where, order, extras=True
        )
    ]


def overview_items(
    session: Session, states: Iterable[WishState] = (WishState.ACCEPTED,)
) -> list[WishItem]:
    """Load the wishes of the bundle overview as grouping items."""
    wanted = list(states)
    where = [Wish.state.in_(wanted)] if wanted else [false()]
    return [item for item, _ in _load(session, where, (Wish.reference,), extras=False)]
