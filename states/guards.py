"""Guards: conditions a transition needs, as pure functions of facts the engine gathers.

The engine (workflow/path/transitions.py) reads the facts from the database; the
rules themselves live here, so they can be read and tested without a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from states.label import Label


@dataclass(frozen=True)
class GuardFacts:
    """What the engine knows about a path at the moment a transition is fired."""

    now: datetime  # timezone-aware
    deadline: datetime | None  # the current stage's effective deadline, aware, or None
    has_document: bool  # a document is attached to the current stage
    signed_off: bool  # the assigned advisor signed off the stage's latest document
    amount_requested: bool = False  # the application states the grant it asks for
    # every member municipality of the applicant approved the stage's latest document
    # (a partnership's members; a town's only municipality)
    parties_approved: bool = False


@dataclass(frozen=True)
class Guard:
    code: str
    check: Callable[[GuardFacts], bool]
    title: Label  # what the guard requires, for the path's description
    refusal: Label  # shown when the guard does not hold


def _deadline_open(facts: GuardFacts) -> bool:
    # Compare in UTC: Python compares two datetimes of the same tzinfo by wall clock,
    # which is an hour off in the repeated hour of the autumn DST change.
    return facts.deadline is None or facts.now.astimezone(UTC) <= facts.deadline.astimezone(UTC)


GUARDS: dict[str, Guard] = {
    g.code: g
    for g in (
        Guard(
            "deadline_open",
            _deadline_open,
            Label("termin etapu nie minął", "the stage deadline has not passed"),
            Label(
                "Termin tego etapu już minął. Poproś koordynatora o przedłużenie terminu.",
                "The deadline of this stage has passed. Ask the coordinator for an extension.",
            ),
        ),
        Guard(
            "document_attached",
            lambda f: f.has_document,
            Label("dokument etapu jest dołączony", "the stage document is attached"),
            Label(
                "Najpierw dołącz dokument tego etapu.",
                "Attach this stage's document first.",
            ),
        ),
        Guard(
            "advisor_signed_off",
            lambda f: f.signed_off,
            Label("doradca zatwierdził dokument", "the advisor signed off the document"),
            Label(
                "Doradca miasta nie zatwierdził jeszcze najnowszej wersji dokumentu.",
                "The town's advisor has not yet signed off the latest version of the document.",
            ),
        ),
        Guard(
            "amount_requested",
            lambda f: f.amount_requested,
            Label("wniosek podaje wnioskowaną kwotę", "the application states the amount requested"),
            Label(
                "Podaj wnioskowaną kwotę dofinansowania.",
                "Enter the grant amount you are applying for.",
            ),
        ),
        Guard(
            "all_parties_approved",
            lambda f: f.parties_approved,
            Label("każdy członek partnerstwa zatwierdził najnowszą wersję dokumentu",
                  "every member of the partnership approved the latest version of the document"),
            Label(
                "Nie każda gmina partnerstwa zatwierdziła jeszcze najnowszą wersję dokumentu "
                "tego etapu. Lista zatwierdzeń jest na stronie ścieżki.",
                "Not every municipality of the partnership has approved the latest version of "
                "this stage's document yet. The list of approvals is on the path's page.",
            ),
        ),
    )
}


def failing(guard_codes: tuple[str, ...], facts: GuardFacts) -> list[Guard]:
    """The guards among `guard_codes` that do not hold for `facts`, in order."""
    return [GUARDS[code] for code in guard_codes if not GUARDS[code].check(facts)]
