"""The services report's maintained totals (decision 0029).

ServiceTotal holds one line of the report per programme and group: the programme itself
(dim 'all'), a town's path (dim 'town', ref = path id), an advisor (dim 'advisor', ref =
user id), a field (dim 'field', ref = field id) or a month (dim 'month', month = 'YYYY-MM').
ServiceTotalPerson counts, per group, the participations of each person: a person is one
of the group's `people` while their count is above zero (their first participation in the
group adds them, removing their last one takes them away).

Both are kept by workflow.advice.service_totals in the transaction that changes the log;
`flask report rebuild-totals` recomputes them from the log.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db


class ServiceTotal(db.Model):
    __tablename__ = "service_total"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 for 'all' and 'month'
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # '' unless dim == 'month'
    services: Mapped[int] = mapped_column(default=0)
    consultations: Mapped[int] = mapped_column(default=0)
    workshops: Mapped[int] = mapped_column(default=0)
    study_services: Mapped[int] = mapped_column(default=0)
    other: Mapped[int] = mapped_column(default=0)
    studies: Mapped[int] = mapped_column(default=0)
    participations: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=0)
    # the minutes of each kind of service (migration 0022): hours and their value at the rates
    consultation_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    workshop_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    study_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    other_minutes: Mapped[int] = mapped_column(default=0, server_default="0")


class ServiceTotalPerson(db.Model):
    __tablename__ = "service_total_person"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    ref: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class ServiceTotalRevision(db.Model):
    """The version of a programme's services report (docs/decisions/0046): one more each time a
    transaction changes any of the programme's `ServiceTotal` lines (the same writes, in the same
    transaction; the names it shows have `NameRevision`), so a report kept as drawn for one revision is
    never shown for another. A number that only grows, in the order the transactions commit;
    `token`, drawn at random by each raise, tells apart two states with the same number (a database
    restored from a backup counts again from the backup's: decision 0047)."""

    __tablename__ = "service_total_revision"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class NameRevision(db.Model):
    """The version of the names the services report shows or offers in its filters (towns, paths,
    advisors and other accounts, fields; decision 0047): one row (`id` 1), one more at the end of
    each transaction that adds, removes or renames one. Apart from the programmes' revisions, so
    that such a write locks no programme's row: it waits only for another such write's commit."""

    __tablename__ = "name_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
