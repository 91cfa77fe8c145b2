"""Experience-exchange groups of the public-services monitoring (docs/decisions/0038).

- ExchangeGroup: a group of 5-12 cities (gminas of the register) working on one service area
  in one cohort, with its moderator (role `moderator`).
- ExchangeGroupCity: a city of the group; ExchangeDelegate: a town account of a member city
  that the city sends to the group (at most three per city).
- ExchangeMeeting: a meeting (when, where, the agenda) with its minutes (a file in the upload
  store, by its SHA-256) and the attendance of the delegates (MeetingAttendance).
- SatisfactionSurvey: a city's residents' satisfaction survey for the group's service in a year:
  how many answered and how many were satisfied; its figures enter the indicator base as values
  with a value_source of kind "survey".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db
from workflow.models.monitoring import MonitoringArea, _in
from workflow.models.types import UTCDateTime, str_enum, utcnow

GROUP_MIN, GROUP_MAX = 5, 12  # cities in a group
DELEGATES_MAX = 3  # delegates a city sends to a group


class ExchangeGroup(db.Model):
    __tablename__ = "exchange_group"
    __table_args__ = (
        CheckConstraint(_in("area", MonitoringArea), name="area_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    area: Mapped[MonitoringArea] = mapped_column(str_enum(MonitoringArea, 30))
    # The cohort: the year its round of work starts (about a year per cohort).
    cohort: Mapped[int]
    name_pl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "pl").startswith("en") else self.name_pl


class ExchangeGroupCity(db.Model):
    __tablename__ = "exchange_group_city"
    __table_args__ = (
        # A city works in one group of an area in a cohort (denormalised for the constraint).
        UniqueConstraint("unit_id", "area", "cohort"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("exchange_group.id", ondelete="CASCADE"),
                                          primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    area: Mapped[MonitoringArea] = mapped_column(str_enum(MonitoringArea, 30))
    cohort: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class ExchangeDelegate(db.Model):
    __tablename__ = "exchange_delegate"

    group_id: Mapped[int] = mapped_column(ForeignKey("exchange_group.id", ondelete="CASCADE"),
                                          primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"))


class ExchangeMeeting(db.Model):
    __tablename__ = "exchange_meeting"
    __table_args__ = (
        CheckConstraint("minutes_hash IS NULL OR minutes_name IS NOT NULL", name="minutes_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("exchange_group.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text)
    # The minutes: a file of the upload store (workflow/path/documents.py), by its SHA-256.
    minutes_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    minutes_name: Mapped[str | None] = mapped_column(String(200))
    minutes_mime: Mapped[str | None] = mapped_column(String(120))
    minutes_size: Mapped[int | None]
    minutes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingAttendance(db.Model):
    __tablename__ = "meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("exchange_meeting.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    present: Mapped[bool] = mapped_column(default=False)


class SatisfactionSurvey(db.Model):
    __tablename__ = "satisfaction_survey"
    __table_args__ = (
        CheckConstraint("respondents > 0", name="respondents_positive"),
        CheckConstraint("satisfied >= 0 AND satisfied <= respondents", name="satisfied_in_range"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("exchange_group.id", ondelete="CASCADE"),
                                          primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"),
                                         primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    respondents: Mapped[int]
    satisfied: Mapped[int]
    source_id: Mapped[int] = mapped_column(ForeignKey("value_source.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
