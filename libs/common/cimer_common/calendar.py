"""Deadlines in Turkey's working days (SPEC section 2), shared by intake (the first deadline) and routing
(extensions, and deadlines coming near or passed).

Working days leave out Saturdays, Sundays and Turkey's official holidays, taken from the maintained `holidays`
library (the religious holidays move every year; no list of ours). A half-day eve (*arife*) counts as a working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

TURKEY = ZoneInfo("Europe/Istanbul")
INFORMATION_REQUEST_WORKING_DAYS = 15  # Law 4982, article 11
EXTENSION_WORKING_DAYS = 15  # once, for an information request, with the reason sent to the applicant
PETITION_DAYS = 30  # Law 3071, article 7
APPROACHING_WORKING_DAYS = 3  # when the holder and its coordinator are warned
# Law 4982, article 13: a refused information request may be appealed to the information review board (BEDK)
# within 15 days of the refusal; SPEC section 12 closes every answered application when that time is over.
APPEAL_DAYS = 15
BOARD_WORKING_DAYS = 30  # the board decides within 30 working days of the appeal


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


def appeal_window_ends(answered_at: datetime) -> date:
    """The last day on which an answer may be appealed: 15 days after the day it was given, in Turkey, a last
    day that falls on a holiday moving to the next working day (as for a deadline). The same day ends the time in
    which an answered application stays open: it is closed once the day is over (SPEC section 12)."""
    answered = answered_at.astimezone(TURKEY).date()
    return next_working_day(answered + timedelta(days=APPEAL_DAYS))


def may_appeal(answered_at: datetime, today: date) -> bool:
    return today <= appeal_window_ends(answered_at)


def closes_after(answered_at: datetime, today: date) -> bool:
    """True once an answered, unappealed application is to be closed: its appeal window is over."""
    return today > appeal_window_ends(answered_at)


def closing_cutoff(today: date) -> datetime:
    """The answers given before this instant have their appeal window over by `today`: exactly those are closed.
    (A window's end is monotonic in the day of the answer, so the closable answers are all before one day.)"""
    day = today - timedelta(days=APPEAL_DAYS + 1)
    while not today > next_working_day(day + timedelta(days=APPEAL_DAYS)):
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, TURKEY)


def board_deadline(appealed_at: datetime) -> date:
    """The board's own deadline: 30 working days from the day the appeal reached it (SPEC section 12)."""
    return add_working_days(appealed_at.astimezone(TURKEY).date(), BOARD_WORKING_DAYS)


def ordered_answer_deadline(ordered_at: datetime) -> date:
    """When the board orders the institution to answer, it has an information request's time again: 15 working
    days from the order."""
    return add_working_days(ordered_at.astimezone(TURKEY).date(), INFORMATION_REQUEST_WORKING_DAYS)


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
