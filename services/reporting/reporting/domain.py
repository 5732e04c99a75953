"""The rules of reporting (SPEC section 6), as plain functions: which month an application counts in, what a
period looks like, and how a month's applications add up.

A month is Turkey's month: an application received at 23:30 on 31 January in Istanbul counts in January,
whatever the UTC date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, get_args
from zoneinfo import ZoneInfo

from cimer_common.access import PRESIDENCY
from cimer_common.errors import InvalidRequest
from cimer_common.events import Channel, Kind
from cimer_common.schemas import PERIOD_PATTERN, SUBJECT_MINISTRY

TURKEY = ZoneInfo("Europe/Istanbul")
PERIOD = re.compile(PERIOD_PATTERN)
INTERIOR = "MIN-ICISLERI"  # gets every governorship's report (SPEC section 6)
INITIAL = "initial"  # the assignment reason of an application's first destination

KINDS: tuple[str, ...] = get_args(Kind)
CHANNELS: tuple[str, ...] = get_args(Channel)
SUBJECTS: tuple[str, ...] = tuple(SUBJECT_MINISTRY)


def period_of(received_at: datetime) -> str:
    """`YYYY-MM` of the moment in Turkey; a time without a zone is taken as UTC, as the bus carries it."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    return received_at.astimezone(TURKEY).strftime("%Y-%m")


def check_period(period: str) -> str:
    if not PERIOD.match(period):
        raise InvalidRequest("invalid_period", "period")
    return period


def _tally(known: tuple[str, ...], counts: dict[str, int]) -> dict[str, int]:
    # Every known category is shown, zero included, so that months compare line by line;
    # a value the catalogue has since gained is still counted rather than lost.
    return {**dict.fromkeys(known, 0), **counts}


def monthly_received(
    period: str, institution: str | None, groups: Iterable[tuple[str, str, str, int]]
) -> dict[str, Any]:
    """Add up `(kind, subject, channel, count)` groups into the month's received figures."""
    by_kind: dict[str, int] = {}
    by_subject: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    received = 0
    for kind, subject, channel, count in groups:
        received += count
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_subject[subject] = by_subject.get(subject, 0) + count
        by_channel[channel] = by_channel.get(channel, 0) + count
    return {
        "period": period,
        "institution": institution,
        "received": received,
        "by_kind": _tally(KINDS, by_kind),
        "by_subject": _tally(SUBJECTS, by_subject),
        "by_channel": _tally(CHANNELS, by_channel),
    }


# --- The monthly report (SPEC section 6, issue 6) ----------------------------------------------------------------
#
# Whose report an application is in: its `scope`, every institution that held it and every institution the
# assignment events named as coordinating a holder (the Presidency among them). An institution's report counts
# the applications with its code in scope, so an application forwarded from GOV-06 to GOV-34 counts in both
# governorships' reports (and their coordinators'); the state's report counts every application once.
#
# The figures of a month, with the month's bounds taken in Turkey (Europe/Istanbul), `start` inclusive, `end`
# (midnight at the start of the next month) exclusive:
# - received: `received_at` in the month (the `period` column), by kind, subject and channel.
# - answered: `answered_at` in the month, whatever month the application was received in; positive and negative,
#   with their shares of the answered (a fraction 0..1, 3 decimals; None when nothing was answered).
# - response_days: over the applications answered in the month whose receipt is known, `answered_at -
#   received_at` in days (fractional), mean and median (PostgreSQL's percentile_cont(0.5)), 1 decimal; None when
#   there are none.
# - open_at_month_end: received before `end` and not answered before `end` (unanswered, or answered later).
# - overdue_at_month_end: open at month end with a deadline on or before the month's last day: the last day to
#   answer had fully passed by midnight at month end. The deadline is the application's current one (the extended
#   one after an extension), so a month's report computed again after a later extension may count one fewer; the
#   report stored on the first of the next month is the one of record. `overdue_at` (when routing noticed) is
#   not used: it depends on when routing's check ran, the deadline does not.

STATE = "STATE"  # the institution key of the state's report in `monthly_reports`
SHARE_DECIMALS = 3
DAYS_DECIMALS = 1
SECONDS_PER_DAY = 86400


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's first instant, in Turkey."""
    check_period(period)
    year, month = int(period[:4]), int(period[5:])
    start = datetime(year, month, 1, tzinfo=TURKEY)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=TURKEY)
    return start, end


def previous_period(today: date) -> str:
    """The month before the one `today` is in."""
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def check_not_future(period: str, today: date) -> str:
    """A well-formed period that has begun by `today` (the current month may be asked for, as it stands)."""
    check_period(period)
    if period > today.strftime("%Y-%m"):
        raise InvalidRequest("period_in_future", "period")
    return period


def check_finished(period: str, today: date) -> str:
    """A well-formed period that has ended by `today`: only those are produced and stored."""
    check_period(period)
    if period >= today.strftime("%Y-%m"):
        raise InvalidRequest("period_in_future", "period")
    return period


def _round(value: float | Decimal | None, decimals: int) -> float | None:
    # Half up, as a reader rounds (Python's round() goes to even: 0.25 -> 0.2).
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` as a fraction, 3 decimals; None when `whole` is 0."""
    return _round(Decimal(part) / Decimal(whole), SHARE_DECIMALS) if whole else None


def days(value: float | Decimal | None) -> float | None:
    """A number of days, 1 decimal."""
    return _round(value, DAYS_DECIMALS)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    """The median as PostgreSQL's percentile_cont(0.5) has it: the mean of the middle two of an even count."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def response_days(received_at: datetime, answered_at: datetime) -> float:
    """Days from receipt to answer, fractional."""
    return (answered_at - received_at).total_seconds() / SECONDS_PER_DAY


@dataclass(frozen=True)
class Answered:
    """The aggregates of the month's answers, as the database sums them."""

    total: int = 0
    positive: int = 0
    negative: int = 0
    mean_days: float | Decimal | None = None
    median_days: float | Decimal | None = None


@dataclass(frozen=True)
class Ratings:
    """The applicants' ratings given in the month (SPEC section 12), as the database sums them."""

    count: int = 0
    mean: float | Decimal | None = None
    solved: int = 0


def monthly_report(
    period: str,
    institution: str | None,
    received_groups: Iterable[tuple[str, str, str, int]],
    answered: Answered,
    open_at_month_end: int,
    overdue_at_month_end: int,
    closed: int = 0,
    ratings: Ratings = Ratings(),
) -> dict[str, Any]:
    """The month's report as plain JSON-ready data; `institution` None is the state."""
    received = monthly_received(period, institution, received_groups)
    return {
        "period": period,
        "institution": institution,
        "received": {
            "total": received["received"],
            "by_kind": received["by_kind"],
            "by_subject": received["by_subject"],
            "by_channel": received["by_channel"],
        },
        "answered": {
            "total": answered.total,
            "positive": answered.positive,
            "negative": answered.negative,
            "positive_share": share(answered.positive, answered.total),
            "negative_share": share(answered.negative, answered.total),
        },
        "response_days": {"mean": days(answered.mean_days), "median": days(answered.median_days)},
        "open_at_month_end": open_at_month_end,
        "overdue_at_month_end": overdue_at_month_end,
        # Answered applications whose appeal window ended in the month (SPEC section 12).
        "closed": closed,
        "ratings": {
            "count": ratings.count,
            "mean": _round(ratings.mean, 2),
            "solved_share": share(ratings.solved, ratings.count),
        },
    }


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """The figures a report's announcement carries for the message that sends it."""
    return {
        "received": report["received"]["total"],
        "answered": report["answered"]["total"],
        "positive_share": report["answered"]["positive_share"],
        "median_days": report["response_days"]["median"],
        "open": report["open_at_month_end"],
        "overdue": report["overdue_at_month_end"],
    }


# --- Who reads which report ---------------------------------------------------------------------------------------


def is_reported(code: str) -> bool:
    """The institutions that get a monthly report of their own: governorships and ministries (SPEC section 6)."""
    return code.startswith(("GOV-", "MIN-"))


def reported_institutions(seen: Iterable[str], provinces: Iterable[str], ministries: Iterable[str]) -> list[str]:
    """Every governorship and ministry, each to get its month's report (SPEC section 6), a quiet one a report of
    zeros: the governorship of each of the state's `provinces` (plate codes) and each of its `ministries` (as
    `cimer_common.geography` lists them, the reference data the directory is seeded from), whether or not anything
    has reached them, and any other governorship or ministry `seen` in the events (one the directory gained since).

    Not the institutions seen alone: the events name an institution only once something has reached it or its
    subtree, and a governorship to which nothing came would get no report and its coordinators no mail."""
    standing = {*(f"GOV-{plate}" for plate in provinces), *(f"MIN-{code}" for code in ministries)}
    return sorted(standing | {code for code in seen if is_reported(code)})


def recipients(institution: str | None) -> list[str]:
    """Who a produced report goes to (SPEC section 6): the state's to the Presidency, a ministry's to the
    ministry, a governorship's to the governorship and the Ministry of the Interior."""
    if institution is None:
        return [PRESIDENCY]
    if institution.startswith("GOV-"):
        return [institution, INTERIOR]
    return [institution]


def may_read_report(
    principal_institution: str, institution: str | None, coordinators_of_institution: Iterable[str]
) -> bool:
    """Besides `Action.READ_REPORT`: the Presidency reads every report, the state's included; anyone else their own
    institution's and those of the institutions theirs coordinates."""
    if principal_institution == PRESIDENCY:
        return True
    if institution is None:
        return False
    return institution == principal_institution or principal_institution in set(coordinators_of_institution)


# --- Open data (SPEC sections 8 and 12) ---------------------------------------------------------------------------
#
# What anyone may read about a finished month, without logging in: counts per institution and subject, nothing
# personal, and no count below `OPEN_DATA_THRESHOLD`, so that no one can be singled out. Three counts, each a table
# of its own, with the month's bounds as the monthly report takes them (in Turkey):
# - received: the applications received in the month (`period`), by first institution (the first destination
#   routing gave them, which a later forward does not change) and subject;
# - positive, negative: the applications answered in the month (`answered_at`, whatever month they were received
#   in) with that outcome, by the institution that answered and subject.
# An application whose institution is not known yet (its assignment or answer not heard) counts in the state-wide
# `other` row; one whose subject is not known yet (its receipt not heard), in its institution's `other` row.
#
# Not published, because each would let a reader subtract and recover a count that the rule keeps back
# (complementary disclosure):
# - `answered` as a count of its own: it is positive + negative, so next to them answered minus a shown positive
#   would give a negative count below the threshold (and the other way round). A reader adds the two where both
#   are shown.
# - any total (per institution, per subject, per table, for the state): a total minus its shown parts gives what
#   was merged or suppressed.
# Each shown count is then a sum over a set of applications that no other shown count of its table shares, and no
# shown count contains another: no difference of shown counts isolates anything. Only finished months are published:
# the counts of a month still running change by the hour, and two readings compared would single out what arrived in
# between.

OPEN_DATA_THRESHOLD = 5  # the smallest count shown
OTHER = "other"  # the subject, and the state-wide institution, that small counts are merged into
OPEN_DATA_MEASURES = ("received", "positive", "negative")


def check_open_data_period(period: str, today: date) -> str:
    """A well-formed month that has ended by `today`: one not begun is refused as the monthly report refuses it
    (`period_in_future`), the month still running with `period_not_finished`."""
    check_not_future(period, today)
    if period == today.strftime("%Y-%m"):
        raise InvalidRequest("period_not_finished", "period")
    return period


def merge_small_counts(
    counts: Iterable[tuple[str | None, str | None, int]], threshold: int = OPEN_DATA_THRESHOLD
) -> list[dict[str, Any]]:
    """`(institution, subject, count)` groups as the rows to publish, `{institution, subject, count}`, none with a
    count below `threshold`:

    1. the counts are added up per institution and subject (a subject not known is `other`);
    2. within an institution, every subject with a count below the threshold goes into that institution's `other`
       row, together with its `other` subject (so `other` is the rest of the institution's applications);
    3. an institution's `other` row still below the threshold goes into the state-wide row (institution `other`,
       subject `other`), together with the counts whose institution is not known;
    4. the state-wide row still below the threshold is suppressed: not shown, and nothing else shown lets it be
       worked out (no totals are published).

    Rows are sorted by institution and subject, each institution's `other` after its subjects and the state-wide
    row last; a count of zero is never a row."""
    cells: dict[str, dict[str, int]] = {}
    unplaced = 0  # counts whose institution is not known: the state-wide row's from the start
    for institution, subject, count in counts:
        if count <= 0:
            continue
        if institution is None:
            unplaced += count
            continue
        subjects = cells.setdefault(institution, {})
        key = subject or OTHER
        subjects[key] = subjects.get(key, 0) + count

    shown: list[dict[str, Any]] = []
    state_other = unplaced
    for institution in sorted(cells):
        subjects = cells[institution]
        rest = subjects.get(OTHER, 0)
        for subject in sorted(subjects):
            if subject == OTHER:
                continue
            if subjects[subject] >= threshold:
                shown.append({"institution": institution, "subject": subject, "count": subjects[subject]})
            else:
                rest += subjects[subject]
        if rest >= threshold:
            shown.append({"institution": institution, "subject": OTHER, "count": rest})
        else:
            state_other += rest
    if state_other >= threshold:
        shown.append({"institution": OTHER, "subject": OTHER, "count": state_other})
    return shown


def open_data(
    period: str,
    received: Iterable[tuple[str | None, str | None, int]],
    positive: Iterable[tuple[str | None, str | None, int]],
    negative: Iterable[tuple[str | None, str | None, int]],
    threshold: int = OPEN_DATA_THRESHOLD,
) -> dict[str, Any]:
    """A month's open data from its `(institution, subject, count)` groups: each table merged on its own
    (`merge_small_counts`). No identity ties a count of one table to counts of another (the received of a month
    are not its answered, and an answer is either positive or negative), so none can be worked out from the
    others."""
    tables = dict(zip(OPEN_DATA_MEASURES, (received, positive, negative), strict=True))
    return {
        "period": period,
        "threshold": threshold,
        **{measure: merge_small_counts(groups, threshold) for measure, groups in tables.items()},
    }
