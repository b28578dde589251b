"""Ministry packages: published versions, their stored files, build jobs and download receipts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from bundler.models.accounts import User
from bundler.models.base import Base, utcnow
from bundler.models.reference import Ministry
from bundler.models.wishes import Wish


class Package(Base):
    """A package of wishes for one ministry (BZK-2026-03); each build adds an immutable version."""

    __tablename__ = "package"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(ForeignKey("ministry.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    cover_letter: Mapped[str] = mapped_column(Text, default="")
    # The cover letter's fields (a Dutch government letter); empty: defaults in the PDF.
    letter_addressee: Mapped[str] = mapped_column(Text, default="")
    letter_date: Mapped[dt.date | None]
    letter_reference: Mapped[str] = mapped_column(String(80), default="")
    letter_subject: Mapped[str] = mapped_column(String(200), default="")
    letter_signatory_name: Mapped[str] = mapped_column(String(200), default="")
    letter_signatory_role: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the office closes the package; the next build starts a new number.
    closed_at: Mapped[dt.datetime | None]
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy reads it

    ministry: Mapped[Ministry] = relationship()
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[PackageVersion]] = relationship(
        back_populates="package", order_by="PackageVersion.number"
    )

    @property
    def latest(self) -> PackageVersion | None:
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Package {self.number}>"


class StoredFile(Base):
    """File bytes kept in the database under their SHA-256, so every app server sees them."""

    __tablename__ = "stored_file"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "sha256:<hex>"
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PackageVersion(Base):
    """One published, immutable version of a package: the PDF, its JSON twin and what changed."""

    __tablename__ = "package_version"
    __table_args__ = (UniqueConstraint("package_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(ForeignKey("stored_file.key"))
    json_sha256: Mapped[str] = mapped_column(String(64))
    json_storage_key: Mapped[str] = mapped_column(ForeignKey("stored_file.key"))
    size: Mapped[int]
    page_count: Mapped[int]
    wish_count: Mapped[int]
    # Hash of what the package says (wishes, answers, letter, ministry): equal means unchanged.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[dict[str, Any]] = deferred(mapped_column(JSON))
    # {"new": [[reference, title], ...], "changed": [...], "removed": [...]}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The ministry as it was when this version was made (cabinets rename ministries).
    ministry_code: Mapped[str] = mapped_column(String(16))
    ministry_name: Mapped[str] = mapped_column(String(250))
    ministry_tooi: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    package: Mapped[Package] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
    entries: Mapped[list[PackageEntry]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="PackageEntry.position"
    )
    receipts: Mapped[list[DownloadReceipt]] = relationship(
        back_populates="version", order_by="DownloadReceipt.at"
    )

    @property
    def label(self) -> str:
        return f"{self.package.number} versie {self.number}"

    def __repr__(self) -> str:
        return f"<PackageVersion {self.package_id} v{self.number}>"


class PackageEntry(Base):
    """A wish included in a package version, in the order the PDF shows it."""

    __tablename__ = "package_entry"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("package_version.id", ondelete="CASCADE"), primary_key=True
    )
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(12), default="")  # new, changed or ""

    version: Mapped[PackageVersion] = relationship(back_populates="entries")
    wish: Mapped[Wish] = relationship()


class PackageCheck(Base):
    """A ministry's package content as last found equal to its latest version (one row each).

    Valid while the data generation, the build date and the context (code and settings)
    are the ones it names: see `bundler.packages.freshness`. Not watched by the generation.
    """

    __tablename__ = "package_check"

    ministry_id: Mapped[int] = mapped_column(
        ForeignKey("ministry.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int]
    built_on: Mapped[dt.date]
    context: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    # References of the wishes the content's wishes relate to (it shows their state and package).
    related: Mapped[list[str]] = mapped_column(JSON)


class BuildJob(Base):
    """A request to build packages (one ministry or all), with progress the office can follow."""

    __tablename__ = "build_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "one" or "all"
    ministry_codes: Mapped[list[str]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued/running/done/failed
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]

    created_by: Mapped[User | None] = relationship()
    steps: Mapped[list[BuildStep]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="BuildStep.id"
    )


class BuildStep(Base):
    """One ministry's part of a build job."""

    __tablename__ = "build_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("build_job.id", ondelete="CASCADE"), index=True)
    ministry_code: Mapped[str] = mapped_column(String(16))
    # queued, rendering, published, unchanged, failed
    status: Mapped[str] = mapped_column(String(12), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int | None] = mapped_column(ForeignKey("package_version.id"))
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    job: Mapped[BuildJob] = relationship(back_populates="steps")
    version: Mapped[PackageVersion | None] = relationship()


class DownloadReceipt(Base):
    """Proof that a user downloaded a version's PDF or JSON, and when."""

    __tablename__ = "download_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("package_version.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The e-mail address as it was, so the receipt survives a renamed or deleted account.
    user_label: Mapped[str] = mapped_column(String(254), default="")
    kind: Mapped[str] = mapped_column(String(8))  # pdf or json
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[PackageVersion] = relationship(back_populates="receipts")
    user: Mapped[User | None] = relationship()
