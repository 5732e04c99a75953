"""Appeals of refused information requests (SPEC section 12): who may appeal, when, and the board's decisions."""

from datetime import UTC, date, datetime

import pytest

from cimer_common import appeals
from cimer_common.errors import Conflict, InvalidRequest

ANSWERED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the window ends on 17 March
REASON = "  The information asked for is not a secret of the state.  "


def appeal(**changes):
    arguments = {
        "kind": "information_request",
        "outcome": "negative",
        "answered_at": ANSWERED,
        "appealed_at": None,
        "today": date(2026, 3, 10),
        "reason": REASON,
    }
    return appeals.check_appeal(**(arguments | changes))


def test_a_refused_information_request_may_be_appealed_with_a_reason():
    assert appeal() == REASON.strip()
    assert appeal(today=date(2026, 3, 17)) == REASON.strip()  # the last day


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"kind": "petition"}, InvalidRequest, "appeal_not_allowed"),
        ({"outcome": "positive"}, InvalidRequest, "appeal_not_allowed"),
        ({"answered_at": None, "outcome": None}, Conflict, "not_answered_yet"),
        ({"appealed_at": datetime(2026, 3, 5, tzinfo=UTC)}, Conflict, "already_appealed"),
        ({"today": date(2026, 3, 18)}, InvalidRequest, "appeal_window_over"),
        ({"reason": "too short"}, InvalidRequest, "appeal_reason_required"),
        ({"reason": "x" * 5_001}, InvalidRequest, "appeal_reason_required"),
        ({"reason": None}, InvalidRequest, "appeal_reason_required"),
    ],
)
def test_what_may_not_be_appealed_is_refused_with_its_reason(changes, error, code):
    with pytest.raises(error) as refused:
        appeal(**changes)
    assert refused.value.code == code


def test_refusal_says_why_without_a_reason_to_check():
    assert appeals.refusal("information_request", "negative", ANSWERED, None, date(2026, 3, 17)) is None
    refused = appeals.refusal("information_request", "negative", ANSWERED, None, date(2026, 3, 18))
    assert refused is not None and refused.code == "appeal_window_over"


def test_the_board_upholds_or_orders_an_answer_with_a_text():
    assert appeals.check_decision("upheld", " The refusal was lawful. ") == ("upheld", "The refusal was lawful.")
    assert appeals.check_decision("answer_ordered", "Answer within 15 days.")[0] == "answer_ordered"
    for decision, text, code in (
        ("reversed", "A long enough text.", "invalid_decision"),
        (None, "A long enough text.", "invalid_decision"),
        ("upheld", "short", "decision_text_required"),
        ("upheld", 42, "decision_text_required"),
    ):
        with pytest.raises(InvalidRequest) as refused:
            appeals.check_decision(decision, text)
        assert refused.value.code == code
