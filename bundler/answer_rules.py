"""What a ministry's answer must carry, per status: pure rules, no Flask, no database."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from bundler.enums import AnswerStatus

# Statuses after which the ministry has finished with the wish.
FINAL = frozenset({AnswerStatus.REALISED, AnswerStatus.DECLINED})


def is_https_link(value: str) -> bool:
    """Tell whether a link is an absolute https URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme == "https" and bool(parts.hostname) and " " not in value.strip()


def answer_problems(
    status: AnswerStatus, link: str, effective_date: dt.date | None, reasons: str
) -> dict[str, str]:
    """Return field -> problem code for an answer; empty when the answer is complete.

    In wetgevingstraject needs a link (https) to the bill or Kamerstuk, gerealiseerd the
    date the change takes effect, niet overgenomen the reasons.
    """
    problems: dict[str, str] = {}
    if status is AnswerStatus.IN_LEGISLATION and not link.strip():
        problems["link"] = "link_required"
    if link.strip() and not is_https_link(link):
        problems["link"] = "link_https"
    if status is AnswerStatus.REALISED and effective_date is None:
        problems["effective_date"] = "date_required"
    if status is AnswerStatus.DECLINED and not reasons.strip():
        problems["reasons"] = "reasons_required"
    return problems
