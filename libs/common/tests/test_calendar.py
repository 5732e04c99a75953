"""Deadlines over real calendar cases: weekends, Turkey's fixed holidays and the religious ones, which move."""

from datetime import UTC, date, datetime, timedelta

from cimer_common import calendar


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def test_petition_deadline_is_thirty_days():
    assert calendar.deadline("petition", at(date(2026, 3, 2))) == date(2026, 4, 1)


def test_information_request_deadline_skips_weekends_and_holidays():
    # Received Friday 2026-05-15; 19 May (Youth and Sports Day) and the weekends do not count;
    # Kurban Bayramı runs 27–30 May 2026 (the eve, 26 May, is a half day and counts).
    assert calendar.deadline("information_request", at(date(2026, 5, 15))) == date(2026, 6, 11)


def test_a_thirty_day_deadline_on_a_holiday_moves_to_the_next_working_day():
    # 2026-04-01 + 30 days = 2026-05-01, Labour Day (Friday) → Monday 4 May.
    assert calendar.deadline("petition", at(date(2026, 4, 1))) == date(2026, 5, 4)


def test_filed_the_day_before_a_religious_holiday():
    # Ramazan Bayramı 2027 is 9–11 March (Tuesday to Thursday); filed Monday 8 March (the eve is a working day).
    # 15 working days: 9, 10, 11 March are holidays; the count runs 12, 15–19, 22–26, 29–31 March, 1 April.
    assert calendar.deadline("information_request", at(date(2027, 3, 8))) == date(2027, 4, 1)


def test_across_new_year():
    # Filed Wednesday 2026-12-23: 24, 25, 28, 29, 30, 31 December; 1 January is a holiday; then 4–8 and 11–14.
    assert calendar.deadline("information_request", at(date(2026, 12, 23))) == date(2027, 1, 14)
    # 30 days from 2026-12-15 is 2027-01-14, a Thursday.
    assert calendar.deadline("petition", at(date(2026, 12, 15))) == date(2027, 1, 14)


def test_a_friday_evening_in_turkey_counts_as_friday_even_when_it_is_already_saturday_elsewhere():
    friday_evening_utc = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)  # 23:30 in Istanbul, still Friday
    assert calendar.deadline("information_request", friday_evening_utc) == date(2026, 12, 18)
    saturday_early = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # 00:30 Saturday in Istanbul
    assert calendar.deadline("information_request", saturday_early) == date(2026, 12, 18)
    # 30 days from Friday 27 November is Sunday 27 December: the next working day, Monday 28th.
    assert calendar.deadline("petition", friday_evening_utc) == date(2026, 12, 28)


def test_an_extension_adds_fifteen_working_days_to_the_deadline():
    assert calendar.extended_deadline(date(2026, 6, 11)) == date(2026, 7, 2)


def test_working_days_between():
    assert calendar.working_days_between(date(2026, 5, 15), date(2026, 5, 22)) == 4  # 18, 20, 21, 22; 19 May off
    assert calendar.working_days_between(date(2026, 5, 22), date(2026, 5, 15)) == 0


# --- After the answer (SPEC section 12): the appeal window, and closing when it is over ----------------------------


def test_the_appeal_window_is_fifteen_days_after_the_answer():
    assert calendar.appeal_window_ends(at(date(2026, 3, 2))) == date(2026, 3, 17)  # Monday + 15: a Tuesday


def test_an_appeal_window_ending_on_a_holiday_runs_to_the_next_working_day():
    # 5 March + 15 is 20 March, the first day of the Ramadan feast (20-22 March 2026): the last day is Monday 23.
    assert calendar.appeal_window_ends(at(date(2026, 3, 5))) == date(2026, 3, 23)
    # 12 May + 15 is 27 May, the Feast of Sacrifice (27-30 May 2026), then a Sunday: Monday 1 June.
    assert calendar.appeal_window_ends(at(date(2026, 5, 12))) == date(2026, 6, 1)


def test_the_answer_day_is_the_day_in_turkey():
    late_evening_utc = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 01:30 on 2 March in Istanbul
    assert calendar.appeal_window_ends(late_evening_utc) == date(2026, 3, 17)


def test_an_answer_may_be_appealed_on_the_last_day_and_is_closed_the_day_after():
    answered = at(date(2026, 3, 5))
    assert calendar.may_appeal(answered, date(2026, 3, 23))
    assert not calendar.closes_after(answered, date(2026, 3, 23))
    assert not calendar.may_appeal(answered, date(2026, 3, 24))
    assert calendar.closes_after(answered, date(2026, 3, 24))


def test_the_closing_cutoff_closes_exactly_the_answers_whose_window_is_over():
    """`closing_cutoff` is what the closing watch queries by: for every day of two years and answers at the start,
    the middle and the end of each day in Turkey, below the cutoff exactly when the rule closes it."""
    start = date(2025, 1, 1)
    for offset in range(730):
        today = start + timedelta(days=offset)
        cutoff = calendar.closing_cutoff(today)
        for back in range(14, 30):
            day = today - timedelta(days=back)
            for hour, minute in ((0, 0), (12, 0), (23, 59)):
                answered = datetime(day.year, day.month, day.day, hour, minute, tzinfo=calendar.TURKEY)
                assert (answered < cutoff) == calendar.closes_after(answered, today), (today, answered)


def test_the_board_decides_within_thirty_working_days_and_an_ordered_answer_has_fifteen():
    assert calendar.board_deadline(at(date(2026, 3, 2))) == calendar.add_working_days(date(2026, 3, 2), 30)
    assert calendar.board_deadline(at(date(2026, 3, 2))) == date(2026, 4, 14)  # across the Ramadan feast
    assert calendar.ordered_answer_deadline(at(date(2026, 3, 2))) == date(2026, 3, 24)
