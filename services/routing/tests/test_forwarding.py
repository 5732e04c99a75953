"""Unit tests of the forwarding rules (SPEC section 4), edge by edge of `domain.FORWARDING`: no broker, no
database; then property tests of the same rules with hypothesis."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cimer_common.errors import Conflict, InvalidRequest
from routing import directory, domain


class FakeDirectory:
    """`domain.ForwardingDirectory` over a dict: code → (type, province, parent, ministry); `retired` codes keep
    their parent link but no longer exist for the rules."""

    def __init__(self, rows, retired=()):
        self.rows = rows
        self.retired = set(retired)

    def exists(self, code):
        return code in self.rows and code not in self.retired

    def _field(self, code, index):
        return self.rows[code][index] if self.exists(code) else None

    def type_of(self, code):
        return self._field(code, 0)

    def province_of(self, code):
        return self._field(code, 1)

    def parent_of(self, code):
        return self.rows[code][2] if code in self.rows else None

    def ministry_of(self, code):
        return self._field(code, 3)


ROWS = {
    "PRESIDENCY": ("presidency", None, None, None),
    "ETHICS-BOARD": ("ethics_board", None, "PRESIDENCY", None),
    "HR-PRESIDENCY": ("hr_presidency", None, "PRESIDENCY", None),
    "MIN-SAGLIK": ("ministry", None, "PRESIDENCY", "SAGLIK"),
    "MIN-UAB": ("ministry", None, "PRESIDENCY", "UAB"),
    "MIN-ADALET": ("ministry", None, "PRESIDENCY", "ADALET"),
    "MU-SAGLIK-TITCK": ("ministry_unit", None, "MIN-SAGLIK", "SAGLIK"),
    "MU-UAB-KGM": ("ministry_unit", None, "MIN-UAB", "UAB"),
    "DISC-MIN-SAGLIK": ("disciplinary_board", None, "MIN-SAGLIK", "SAGLIK"),
    "DISC-GOV-06": ("disciplinary_board", "06", "GOV-06", None),
    "GOV-06": ("governorship", "06", "PRESIDENCY", None),
    "GOV-34": ("governorship", "34", "PRESIDENCY", None),
    "DG-06-CANKAYA": ("district_governorship", "06", "GOV-06", None),
    "DG-34-KADIKOY": ("district_governorship", "34", "GOV-34", None),
    "PD-06-SAGLIK": ("provincial_directorate", "06", "MIN-SAGLIK", "SAGLIK"),
    "PD-34-SAGLIK": ("provincial_directorate", "34", "MIN-SAGLIK", "SAGLIK"),
    "RD-UAB-KGM-4": ("regional_directorate", "06", "MU-UAB-KGM", "UAB"),
    "HRB-06": ("provincial_hr_board", "06", "HR-PRESIDENCY", None),
    "HRB-34": ("provincial_hr_board", "34", "HR-PRESIDENCY", None),
    "DHRB-06-CANKAYA": ("district_hr_board", "06", "HRB-06", None),
    "DHRB-34-KADIKOY": ("district_hr_board", "34", "HRB-34", None),
}
DIRECTORY = FakeDirectory(ROWS)
# A web petition about justice in Ankara naming no district: belongs to a ministry, so it may go up (with a reason).
MINISTERIAL = domain.ApplicationFacts(kind="petition", channel="web", subject="justice", province="06")
# The same about health: the ministry has an office in the province, and the matter may still go up (with a reason).
HEALTH = domain.ApplicationFacts(kind="petition", channel="web", subject="health", province="06")
LOCAL = domain.ApplicationFacts(kind="petition", channel="phone", subject="transport", province="06", district="Mamak")


def allowed(holder, target, application=MINISTERIAL, sender=None, directory=DIRECTORY):
    return domain.may_forward(application, holder, target, directory, sender)


def targets(holder, application=MINISTERIAL, sender=None, directory=DIRECTORY):
    return {code for code in ROWS if allowed(holder, code, application, sender, directory)}


def test_a_governorship_sends_to_its_own_province_and_up_only_what_belongs_to_a_ministry():
    assert targets("GOV-06") == {"DG-06-CANKAYA", "PD-06-SAGLIK", "RD-UAB-KGM-4", "PRESIDENCY"}
    assert targets("GOV-06", HEALTH) == {"DG-06-CANKAYA", "PD-06-SAGLIK", "RD-UAB-KGM-4", "PRESIDENCY"}
    assert targets("GOV-06", LOCAL) == {"DG-06-CANKAYA", "PD-06-SAGLIK", "RD-UAB-KGM-4"}
    assert targets("GOV-34") == {"DG-34-KADIKOY", "PD-34-SAGLIK", "PRESIDENCY"}


def test_the_presidency_sends_to_ministries_governorships_and_the_two_central_boards():
    assert targets("PRESIDENCY") == {
        "MIN-SAGLIK",
        "MIN-UAB",
        "MIN-ADALET",
        "GOV-06",
        "GOV-34",
        "ETHICS-BOARD",
        "HR-PRESIDENCY",
    }


def test_a_ministry_sends_to_its_units_and_provincial_directorates():
    assert targets("MIN-SAGLIK") == {"MU-SAGLIK-TITCK", "PD-06-SAGLIK", "PD-34-SAGLIK"}
    # Its disciplinary board is its child, but not one of its units.
    assert not allowed("MIN-SAGLIK", "DISC-MIN-SAGLIK")
    assert targets("MIN-UAB") == {"MU-UAB-KGM"}
    assert targets("MIN-ADALET") == set()


def test_the_ethics_board_sends_to_a_disciplinary_board():
    assert targets("ETHICS-BOARD") == {"DISC-MIN-SAGLIK", "DISC-GOV-06"}


def test_the_ethics_board_sends_to_every_seeded_disciplinary_board_and_nothing_else():
    seeded = FakeDirectory(SEEDED_ROWS)
    boards = {code for code, row in SEEDED_ROWS.items() if row[0] == "disciplinary_board"}
    assert len(boards) == 17 + 81  # each ministry's, each governorship's İl Disiplin Kurulu
    allowed = {code for code in SEEDED_ROWS if domain.may_forward(MINISTERIAL, "ETHICS-BOARD", code, seeded, None)}
    assert allowed == boards
    # No reason is asked of the Ethics Board.
    assert domain.check_forward(MINISTERIAL, "ETHICS-BOARD", "DISC-GOV-35", seeded, None) == "forwarded"


def test_a_provincial_human_rights_board_sends_to_its_district_boards_and_the_human_rights_presidency():
    assert targets("HRB-06") == {"DHRB-06-CANKAYA", "HR-PRESIDENCY"}
    assert targets("HRB-34") == {"DHRB-34-KADIKOY", "HR-PRESIDENCY"}


@pytest.mark.parametrize(
    "holder",
    [
        "DG-06-CANKAYA",
        "PD-06-SAGLIK",
        "RD-UAB-KGM-4",
        "MU-UAB-KGM",
        "DISC-MIN-SAGLIK",
        "DHRB-06-CANKAYA",
        "HR-PRESIDENCY",
    ],
)
def test_the_rest_only_return_what_they_hold(holder):
    assert targets(holder) == set()


@pytest.mark.parametrize(
    ("holder", "sender"),
    [
        ("PD-06-SAGLIK", "MIN-SAGLIK"),
        ("PD-06-SAGLIK", "GOV-06"),
        ("MIN-SAGLIK", "PRESIDENCY"),
        ("GOV-06", "PRESIDENCY"),  # even when the matter is local
        ("DHRB-06-CANKAYA", "HRB-06"),
        ("PRESIDENCY", "GOV-06"),
    ],
)
def test_any_holder_returns_to_its_sender(holder, sender):
    assert domain.forward_reason(LOCAL, holder, sender, DIRECTORY, sender) == "returned"
    assert targets(holder, LOCAL, sender) >= {sender}


def test_a_return_goes_to_the_sender_only():
    assert domain.forward_reason(LOCAL, "PD-06-SAGLIK", "MIN-SAGLIK", DIRECTORY, sender="GOV-06") is None
    assert domain.forward_reason(MINISTERIAL, "GOV-06", "PRESIDENCY", DIRECTORY, None) == "forwarded"


def test_never_to_itself_to_an_unknown_or_to_a_retired_institution():
    assert not allowed("PRESIDENCY", "PRESIDENCY")
    assert not allowed("GOV-06", "GOV-06", sender="GOV-06")
    assert not allowed("PRESIDENCY", "MIN-XYZ")
    retired = FakeDirectory(ROWS, retired={"MIN-SAGLIK", "PD-06-SAGLIK"})
    assert not allowed("PRESIDENCY", "MIN-SAGLIK", directory=retired)
    assert not allowed("GOV-06", "PD-06-SAGLIK", directory=retired)
    assert not allowed("DG-06-CANKAYA", "PD-06-SAGLIK", sender="PD-06-SAGLIK", directory=retired)
    # A retired holder can still hand back what it holds.
    retired_holder = FakeDirectory(ROWS, retired={"PD-06-SAGLIK"})
    assert targets("PD-06-SAGLIK", sender="MIN-SAGLIK", directory=retired_holder) == {"MIN-SAGLIK"}


def test_check_forward_refuses_with_the_field():
    with pytest.raises(InvalidRequest) as refused:
        domain.check_forward(MINISTERIAL, "PD-06-SAGLIK", "GOV-06", DIRECTORY, "MIN-SAGLIK")
    assert refused.value.args == ("forward_not_allowed", "to_institution")
    assert domain.check_forward(MINISTERIAL, "PRESIDENCY", "GOV-06", DIRECTORY, None) == "forwarded"


def facts(subject, district=None, province="06"):
    return domain.ApplicationFacts(
        kind="petition", channel="web", subject=subject, province=province, district=district
    )


@pytest.mark.parametrize(
    ("application", "local"),
    [
        (facts("transport", district="Çankaya"), True),  # a district's road never reaches a ministry
        (facts("justice", district="Çankaya"), True),
        (facts("other"), True),  # belongs to no ministry
        (facts(None), True),
        (facts("justice"), False),  # no provincial justice directorate
        (facts("health"), False),  # PD-06-SAGLIK is there, and the matter may still be the ministry's
        (facts("transport"), False),  # so is Karayolları 4. Bölge
        # The governorship's own business, as the Ministry of the Interior in the province: never sent up.
        (facts("security"), True),
        (facts("civil_registry"), True),
        (facts("local_services", province=None), True),
    ],
)
def test_locally_solvable(application, local):
    assert domain.locally_solvable(application) is local


def test_up_to_the_presidency_only_with_a_reason():
    for note in (None, "", "   \n "):
        with pytest.raises(InvalidRequest) as refused:
            domain.check_forward(HEALTH, "GOV-06", "PRESIDENCY", DIRECTORY, None, note)
        assert refused.value.args == ("reason_required", "note")
    assert domain.check_forward(HEALTH, "GOV-06", "PRESIDENCY", DIRECTORY, None, "Bakanlığın konusu.") == "forwarded"
    # What is locally solvable stays local, whatever the reason.
    with pytest.raises(InvalidRequest) as refused:
        domain.check_forward(LOCAL, "GOV-06", "PRESIDENCY", DIRECTORY, None, "Bakanlığın konusu.")
    assert refused.value.args == ("forward_not_allowed", "to_institution")


def test_no_other_move_asks_for_a_reason():
    assert domain.reason_required("GOV-06", "PRESIDENCY", DIRECTORY)
    assert not domain.reason_required("GOV-06", "PD-06-SAGLIK", DIRECTORY)
    assert not domain.reason_required("PRESIDENCY", "GOV-06", DIRECTORY)
    assert not domain.reason_required("HRB-06", "HR-PRESIDENCY", DIRECTORY)
    assert domain.check_forward(LOCAL, "GOV-06", "DG-06-CANKAYA", DIRECTORY, None) == "forwarded"
    assert domain.check_forward(LOCAL, "PRESIDENCY", "MIN-SAGLIK", DIRECTORY, None) == "forwarded"
    # Sent down by the Presidency, the governorship returns it without one: a return, not a send-up.
    assert domain.check_forward(LOCAL, "GOV-06", "PRESIDENCY", DIRECTORY, "PRESIDENCY") == "returned"


def test_custody_takes_the_reason_with_the_move():
    custody = domain.Custody((("initial", "GOV-06"),))
    with pytest.raises(InvalidRequest) as refused:
        custody.forward(MINISTERIAL, "PRESIDENCY", DIRECTORY)
    assert refused.value.args == ("reason_required", "note")
    moved = custody.forward(MINISTERIAL, "PRESIDENCY", DIRECTORY, "Adalet Bakanlığının konusu.")
    assert (moved.holder, moved.sender) == ("PRESIDENCY", "GOV-06")


def test_up_to_the_presidency_with_the_seeded_directory():
    seeded = FakeDirectory(SEEDED_ROWS)
    reason = "Bakanlık düzeyinde çözülmesi gereken bir konu."
    # Adana has a provincial health directorate; the governorship may still send a health matter up, with a reason.
    assert domain.check_forward(facts("health", province="01"), "GOV-01", "PRESIDENCY", seeded, None, reason) == (
        "forwarded"
    )
    assert domain.may_forward(facts("energy", province="01"), "GOV-01", "PRESIDENCY", seeded, None)
    assert not domain.may_forward(
        facts("health", district="Seyhan", province="01"), "GOV-01", "PRESIDENCY", seeded, None
    )
    with pytest.raises(InvalidRequest) as refused:
        domain.check_forward(facts("transport", province="06"), "GOV-06", "PRESIDENCY", seeded, None)
    assert refused.value.args == ("reason_required", "note")


@pytest.mark.parametrize(
    ("moves", "sender"),
    [
        ([("initial", "GOV-06")], None),
        ([("initial", "PRESIDENCY"), ("forwarded", "MIN-SAGLIK")], "PRESIDENCY"),
        ([("initial", "PRESIDENCY"), ("forwarded", "MIN-SAGLIK"), ("forwarded", "PD-06-SAGLIK")], "MIN-SAGLIK"),
        (
            [
                ("initial", "PRESIDENCY"),
                ("forwarded", "MIN-SAGLIK"),
                ("forwarded", "PD-06-SAGLIK"),
                ("returned", "MIN-SAGLIK"),
            ],
            "PRESIDENCY",
        ),
        ([("initial", "PRESIDENCY"), ("forwarded", "GOV-06"), ("returned", "PRESIDENCY")], None),
        # An appeal and the board's order start custody anew: nothing before them can be returned to.
        ([("initial", "PRESIDENCY"), ("forwarded", "MIN-SAGLIK"), ("appealed", "BEDK")], None),
        ([("initial", "PD-06-SAGLIK"), ("appealed", "BEDK"), ("ordered", "PD-06-SAGLIK")], None),
        (
            [("initial", "PRESIDENCY"), ("appealed", "BEDK"), ("ordered", "PRESIDENCY"), ("forwarded", "MIN-SAGLIK")],
            "PRESIDENCY",
        ),
    ],
)
def test_the_sender_is_whoever_sent_it_to_the_holder(moves, sender):
    assert domain.sender_after(moves) == sender


@pytest.mark.parametrize(
    ("outcome", "text", "error"),
    [
        ("positive", "Yanıtınız hazırlandı.", None),
        ("negative", "x" * 10_000, None),
        ("maybe", "Yanıtınız hazırlandı.", ("invalid_outcome", "outcome")),
        (None, "Yanıtınız hazırlandı.", ("invalid_outcome", "outcome")),
        ("positive", "   123456789   ", ("answer_text_required", "text")),
        ("positive", "x" * 10_001, ("answer_text_required", "text")),
        ("positive", None, ("answer_text_required", "text")),
    ],
)
def test_check_answer(outcome, text, error):
    if error is None:
        assert domain.check_answer(outcome, text) == (outcome, text.strip())
    else:
        with pytest.raises(InvalidRequest) as refused:
            domain.check_answer(outcome, text)
        assert refused.value.args == error


@pytest.mark.parametrize(
    ("reason", "ok"), [("Bilgi bekleniyor.", True), ("  kısa  ", False), ("x" * 2001, False), (None, False)]
)
def test_check_extension_reason(reason, ok):
    if ok:
        assert domain.check_extension_reason(reason) == reason.strip()
    else:
        with pytest.raises(InvalidRequest) as refused:
            domain.check_extension_reason(reason)
        assert refused.value.args == ("extension_reason_required", "reason")


def test_check_note():
    assert domain.check_note(None) is None
    assert domain.check_note("   ") is None
    assert domain.check_note(" Acil. ") == "Acil."
    with pytest.raises(InvalidRequest) as refused:
        domain.check_note("x" * 2001)
    assert refused.value.args == ("note_too_long", "note")


# --- What the holder may do: the candidates the service asks the database for, and extensions ---------------------


def found_by(candidates, rows):
    """The codes the service's query finds for `candidates` in `rows` (code → (type, province, parent, ministry)),
    retired ones left out as the query does."""
    return {
        code
        for code, (type_, province, parent, ministry) in rows.items()
        for c in candidates
        if type_ == c.type
        and c.province in (None, province)
        and c.parent in (None, parent)
        and c.ministry in (None, ministry)
    }


SEEDED_ROWS = {e.code: (e.type, e.province, e.parent, e.ministry) for e in directory.entries()}


def test_the_candidates_of_a_governorship_are_its_own_province_s_bodies_and_the_presidency():
    assert domain.forward_candidates("GOV-06", DIRECTORY) == [
        domain.Candidates("district_governorship", province="06"),
        domain.Candidates("provincial_directorate", province="06"),
        domain.Candidates("regional_directorate", province="06"),
        domain.Candidates("presidency"),
    ]
    assert domain.forward_candidates("MIN-SAGLIK", DIRECTORY) == [
        domain.Candidates("ministry_unit", parent="MIN-SAGLIK"),
        domain.Candidates("provincial_directorate", ministry="SAGLIK"),
    ]
    # Nothing to look for from a body with no edge, nor from a retired holder.
    assert domain.forward_candidates("DG-06-CANKAYA", DIRECTORY) == []
    assert domain.forward_candidates("GOV-06", FakeDirectory(ROWS, retired={"GOV-06"})) == []


@pytest.mark.parametrize("rows", [ROWS, SEEDED_ROWS], ids=["sample", "seeded"])
@pytest.mark.parametrize("application", [MINISTERIAL, LOCAL], ids=["ministerial", "local"])
def test_the_candidates_hold_every_allowed_target_and_forward_targets_keeps_exactly_those(rows, application):
    """For every holder, whatever its sender: what the narrowed query finds, filtered by `forward_targets`, is
    every institution of the directory a forward is allowed to, and nothing else."""
    directory_ = FakeDirectory(rows)
    holders = [code for code, row in rows.items() if row[0] in domain.FORWARDING]
    if rows is SEEDED_ROWS:
        holders = [h for h in holders if h in ("PRESIDENCY", "GOV-06", "GOV-01", "MIN-SAGLIK", "HRB-06")] + [
            "ETHICS-BOARD"
        ]
    for holder in holders:
        for sender in (None, "PRESIDENCY", "GOV-06"):
            expected = {
                code
                for code in rows
                if domain.forward_reason(application, holder, code, directory_, sender) == domain.FORWARDED
            }
            found = found_by(domain.forward_candidates(holder, directory_), rows)
            assert expected <= found, (holder, expected - found)
            assert set(domain.forward_targets(application, holder, sorted(found), directory_, sender)) == expected


def test_forward_targets_never_offers_the_holder_the_sender_or_a_retired_institution():
    retired = FakeDirectory(ROWS, retired={"DG-06-CANKAYA"})
    candidates = ["GOV-06", "DG-06-CANKAYA", "PD-06-SAGLIK", "PRESIDENCY", "GOV-34"]
    assert domain.forward_targets(MINISTERIAL, "GOV-06", candidates, retired, "PRESIDENCY") == ["PD-06-SAGLIK"]
    assert domain.forward_targets(MINISTERIAL, "GOV-06", candidates, DIRECTORY, None) == [
        "DG-06-CANKAYA",
        "PD-06-SAGLIK",
        "PRESIDENCY",
    ]


DAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("kind", "extended", "deadline", "error"),
    [
        ("information_request", False, DAY, None),  # on the deadline's day still
        ("petition", False, DAY, (InvalidRequest, ("extension_not_allowed", "kind"))),
        ("ethics_complaint", False, DAY, (InvalidRequest, ("extension_not_allowed", "kind"))),
        ("information_request", True, DAY, (Conflict, ("already_extended", None))),
        ("information_request", False, date(2026, 11, 30), (InvalidRequest, ("deadline_passed", "deadline"))),
    ],
)
def test_check_extension_and_may_extend_agree(kind, extended, deadline, error):
    assert domain.may_extend(kind, extended, deadline, DAY) is (error is None)
    if error is None:
        domain.check_extension(kind, extended, deadline, DAY)
    else:
        with pytest.raises(error[0]) as refused:
            domain.check_extension(kind, extended, deadline, DAY)
        assert refused.value.args == error[1]


# --- Properties (hypothesis) ------------------------------------------------------------------------------------
#
# Property tests of forwarding (hypothesis): random sequences of moves by whoever holds an application, over a
# small hand-built directory, through the pure state machine `domain.Custody` that the service replays.
#
# (a) no accepted forward ever leaves the allowed edges, checked against an edge list written out by hand below,
#     independently of `domain.FORWARDING`; and every move on those edges is accepted;
# (b) exactly one institution holds the application at every step until it is answered, and after the answer no
#     forward is accepted.

# SPEC section 4 for the directory of `ROWS` above, written out by hand.
EDGES = {
    ("PRESIDENCY", "MIN-SAGLIK"),
    ("PRESIDENCY", "MIN-UAB"),
    ("PRESIDENCY", "MIN-ADALET"),
    ("PRESIDENCY", "GOV-06"),
    ("PRESIDENCY", "GOV-34"),
    ("PRESIDENCY", "ETHICS-BOARD"),
    ("PRESIDENCY", "HR-PRESIDENCY"),
    ("GOV-06", "DG-06-CANKAYA"),
    ("GOV-06", "PD-06-SAGLIK"),
    ("GOV-06", "RD-UAB-KGM-4"),
    ("GOV-34", "DG-34-KADIKOY"),
    ("GOV-34", "PD-34-SAGLIK"),
    ("MIN-SAGLIK", "MU-SAGLIK-TITCK"),
    ("MIN-SAGLIK", "PD-06-SAGLIK"),
    ("MIN-SAGLIK", "PD-34-SAGLIK"),
    ("MIN-UAB", "MU-UAB-KGM"),
    ("ETHICS-BOARD", "DISC-MIN-SAGLIK"),
    ("ETHICS-BOARD", "DISC-GOV-06"),
    ("HRB-06", "DHRB-06-CANKAYA"),
    ("HRB-06", "HR-PRESIDENCY"),
    ("HRB-34", "DHRB-34-KADIKOY"),
    ("HRB-34", "HR-PRESIDENCY"),
}
# Up to the Presidency only what is not locally solvable (a ministry's matter naming no district), and only with
# the officer's reason.
UP_EDGES = {("GOV-06", "PRESIDENCY"), ("GOV-34", "PRESIDENCY")}
CODES = [*sorted(ROWS), "GOV-99"]  # with one the directory does not know
NOTES = [None, "  ", "Bakanlığın konusu."]


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    application=st.sampled_from([MINISTERIAL, HEALTH, LOCAL]),
    first=st.sampled_from(sorted(ROWS)),
    data=st.data(),
)
def test_moves_stay_on_the_edges_and_one_institution_holds_it_until_the_answer(application, first, data):
    edges = EDGES | (UP_EDGES if application is not LOCAL else set())
    custody = domain.Custody((("initial", first),))
    senders = [first]  # the model's own stack: a forward pushes the new holder, a return pops the old one
    for _ in range(data.draw(st.integers(0, 30), label="moves")):
        action = data.draw(st.sampled_from(["forward"] * 7 + ["answer"]), label="action")
        # Half the time a target next to the holder by the hand-written edges (or its sender), otherwise any code,
        # so that moves are accepted often enough to walk the tree, and refused often enough too.
        near = sorted({t for h, t in edges if h == custody.holder} | set(senders[-2:-1]))
        anywhere = not near or data.draw(st.booleans(), label="anywhere")
        target = data.draw(st.sampled_from(CODES if anywhere else near), label="target")
        note = data.draw(st.sampled_from(NOTES), label="note")
        holder = custody.holder
        if action == "answer":
            if custody.answered:
                with pytest.raises(Conflict):
                    custody.answer()
            else:
                custody = custody.answer()
            continue
        sender = senders[-2] if len(senders) >= 2 else None
        on_edge = (holder, target) in edges
        returning = target == sender and target != holder
        without_reason = (holder, target) in UP_EDGES and not returning and not (note and note.strip())
        try:
            moved = custody.forward(application, target, DIRECTORY, note)
        except Conflict:
            assert custody.answered  # (b) after the answer nothing moves
            continue
        except InvalidRequest as refused:
            assert not custody.answered
            assert custody.holder == holder  # a refused move leaves the holder as it was
            if refused.args == ("reason_required", "note"):
                assert on_edge and without_reason, (holder, target, note)  # asked on a send-up only
                continue
            assert refused.args == ("forward_not_allowed", "to_institution")
            assert not on_edge and not returning, (holder, target, sender)  # every allowed move is accepted
            continue
        assert not without_reason, (holder, target)  # never up without a reason
        # (a) an accepted move is on an edge or a return to the sender, and never to itself
        assert not custody.answered
        assert target != holder and (on_edge or returning), (holder, target, sender)
        assert moved.moves[-1] == ("returned" if returning else "forwarded", target)
        if returning:
            senders.pop()
        else:
            senders.append(target)
        custody = moved
        # (b) exactly one holder: the target, an active institution of the directory
        assert custody.holder == target == senders[-1] and DIRECTORY.exists(target)
        assert custody.sender == (senders[-2] if len(senders) >= 2 else None)
