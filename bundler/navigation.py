"""The navigation of each role: one list per role, in menu order."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from bundler.enums import Role

NavItem = tuple[str, LazyString]

NAV: dict[Role, list[NavItem]] = {
    Role.PILOT: [
        ("main.index", _l("Start")),
        ("wishes.index", _l("Knelpunten")),
        ("wishes.new", _l("Nieuw knelpunt")),
        ("mfa.manage", _l("Tweestapsverificatie")),
    ],
    Role.OFFICE: [
        ("main.index", _l("Start")),
        ("office.inbox", _l("Inbox")),
        ("office.overview", _l("Overzicht")),
        ("pilots.index", _l("Pilots")),
        ("catalogue.index", _l("Wetten")),
        ("office.audit_log", _l("Logboek")),
        ("packages.index", _l("Pakketten")),
        ("packages.follow_up_overview", _l("Opvolging")),
        ("notifications.reminders", _l("Herinneringen")),
        ("mfa.manage", _l("Tweestapsverificatie")),
    ],
    Role.MINISTRY: [
        ("main.index", _l("Start")),
        ("ministry.packages", _l("Pakketten")),
        ("integrations.tokens", _l("API-koppelingen")),
        ("mfa.manage", _l("Tweestapsverificatie")),
    ],
    Role.ADMIN: [
        ("main.index", _l("Start")),
        ("admin.users", _l("Gebruikers")),
        ("catalogue.index", _l("Wetten")),
        ("notifications.outbox_index", _l("Uitgaande e-mail")),
        ("integrations.tokens", _l("API-koppelingen")),
        ("mfa.manage", _l("Tweestapsverificatie")),
    ],
}


def items_for(role: Role | None) -> list[NavItem]:
    """Return the navigation items of a role; nothing for anonymous visitors."""
    return NAV.get(role, []) if role is not None else []
