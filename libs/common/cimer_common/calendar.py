"""Deadlines in Turkey's working days (SPEC section 2), shared by intake (the first deadline) and routing
(extensions, and deadlines coming near or passed).

Working days leave out Saturdays, Sundays and Turkey's official holidays, taken from the maintained `holidays`
library (the religious holidays move every year; no list of ours). A half-day eve (*arife*) counts as a working day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

TURKEY = ZoneInfo("Europe/Istanbul")
INFORMATION_REQUEST_WORKING_DAYS = 15  # Law 4982, article 11
EXTENSION_WORKING_DAYS = 15  # once, for an information request, with the reason sent to the applicant
PETITION_DAYS = 30  # Law 3071, article 7
APPROACHING_WORKING_DAYS = 3  # when the holder and its coordinator are warned


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TR", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def today() -> date:
    return datetime.now(TURKEY).date()


def deadline(kind: str, received_at: datetime) -> date:
    """Counted from the day of receipt in Turkey: 15 working days for an information request (Law 4982),
    30 days for the rest (Law 3071), a last day that falls on a holiday moving to the next working day."""
    received = received_at.astimezone(TURKEY).date()
    if kind == "information_request":
        return add_working_days(received, INFORMATION_REQUEST_WORKING_DAYS)
    return next_working_day(received + timedelta(days=PETITION_DAYS))


def extended_deadline(current: date) -> date:
    return add_working_days(current, EXTENSION_WORKING_DAYS)


# Month names for what people read (reports, notices), Turkish first.
MONTHS: dict[str, tuple[str, ...]] = {
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım",
           "Aralık"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def month_name(period: str, language: str = "tr") -> str:
    """`2026-03` → `Mart 2026` (`March 2026` in English)."""
    year, month = period.split("-")
    return f"{MONTHS['en' if language == 'en' else 'tr'][int(month) - 1]} {year}"
