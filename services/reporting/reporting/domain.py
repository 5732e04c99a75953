"""The rules of reporting (SPEC section 6), as plain functions: which month an application counts in, what a
period looks like, and how a month's applications add up.

A month is Turkey's month: an application received at 23:30 on 31 January in Istanbul counts in January,
whatever the UTC date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

from cimer_common.errors import InvalidRequest
from cimer_common.events import Channel, Kind
from cimer_common.schemas import SUBJECT_MINISTRY

TURKEY = ZoneInfo("Europe/Istanbul")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
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
