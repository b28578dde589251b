"""Rows turned into the API's response models (camelCase, links, ISO 8601 with zone)."""

from __future__ import annotations

from bundler import juriconnect
from bundler.api import schemas as s
from bundler.api.queries import WishRow
from bundler.api.web import link
from bundler.models import (
    Answer,
    Delivery,
    Ministry,
    Municipality,
    Package,
    PackageVersion,
    Statute,
    Subscription,
)


def ministry(row: Ministry) -> s.Ministry:
    return s.Ministry(
        code=row.code,
        name=row.name,
        official_name=row.official_name,
        tooi=row.tooi_uri,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        successor=row.successor.code if row.successor else None,
    )


def statute(row: Statute) -> s.Statute:
    return s.Statute(
        bwb_id=row.bwb_id,
        title=row.title,
        short_title=row.short_title,
        ministries=[m.code for m in row.ministries],
    )


def municipality(row: Municipality) -> s.Municipality:
    return s.Municipality(
        cbs_code=row.cbs_code,
        name=row.name,
        province=row.province,
        tooi=row.tooi_uri,
        active=row.active,
    )


def wish(row: WishRow) -> s.Wish:
    path = f"/wishes/{row.reference}"
    return s.Wish(
        _links=s.Links.model_validate({"self": link(path), "answers": link(f"{path}/answers")}),
        reference=row.reference,
        title=row.title,
        state=row.state,
        state_reason=row.state_reason,
        problem=row.problem,
        proposed_change=row.proposed_change,
        statute=row.statute,
        article=row.article,
        paragraph=row.paragraph,
        legal_link=juriconnect.best_link(row.statute, row.article, row.paragraph),
        ministries=list(row.ministries),
        pilot=s.PilotRef(id=row.pilot[0], name=row.pilot[1]),
        supporting_pilots=[s.PilotRef(id=i, name=n) for i, n in row.supporters],
        merged_into=row.merged_into,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_at=row.submitted_at,
    )


def answer(row: Answer) -> s.Answer:
    return s.Answer(
        ministry=row.ministry.code,
        status=row.status,
        link=row.link,
        effective_date=row.effective_date,
        reasons=row.reasons,
        answered_at=row.answered_at,
    )


def version(package: Package, row: PackageVersion, *, with_wishes: bool = False) -> s.Version:
    path = f"/packages/{package.number}/versions/{row.number}"
    return s.Version(
        _links=s.Links.model_validate(
            {"self": link(path), "pdf": link(f"{path}/pdf"), "json": link(f"{path}/json")}
        ),
        number=row.number,
        created_at=row.created_at,
        wish_count=row.wish_count,
        page_count=row.page_count,
        size=row.size,
        sha256=row.sha256,
        json_sha256=row.json_sha256,
        ministry=row.ministry_code,
        ministry_name=row.ministry_name,
        changes={k: [list(map(str, item)) for item in v] for k, v in row.changes.items()},
        wishes=[e.wish.reference for e in row.entries] if with_wishes else None,
    )


def package(row: Package) -> s.Package:
    return s.Package(
        _links=s.Links.model_validate({"self": link(f"/packages/{row.number}")}),
        number=row.number,
        ministry=row.ministry.code,
        created_at=row.created_at,
        closed_at=row.closed_at,
        versions=[version(row, v) for v in row.versions],
    )


def subscription(row: Subscription, secret: str | None = None) -> s.Subscription:
    path = f"/subscriptions/{row.id}"
    return s.Subscription(
        _links=s.Links.model_validate(
            {"self": link(path), "deliveries": link(f"{path}/deliveries")}
        ),
        id=row.id,
        callback_url=row.callback_url,
        event_types=row.event_types,
        created_at=row.created_at,
        secret=secret,
    )


def delivery(row: Delivery) -> s.DeliveryOut:
    pending = row.status == "pending"
    return s.DeliveryOut(
        event_id=row.event.event_id,
        type=row.event.type,
        subject=row.event.subject,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if pending else None,
        delivered_at=row.delivered_at,
        attempt_log=[
            s.Attempt(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
            for a in row.attempt_log
        ],
    )
