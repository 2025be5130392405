"""The state machine, checked pair by pair against the closed loop in DOMAIN.md."""

import pytest

from workflows.lifecycle import (
    TABLE,
    Action,
    ActionNotAllowed,
    Input,
    MissingInput,
    Role,
    RoleNotAllowed,
    State,
    allowed_actions,
    check,
)

S, A = State, Action
OPEN = {S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.RECTIFIED}

# The specification, written out independently of the table: action -> {source: target}.
# A target of None means the state does not change.
EXPECTED = {
    A.SUBMIT: {None: S.SUBMITTED},
    A.SUPPORT: {s: None for s in OPEN | {S.ON_HOLD}},
    A.DISPATCH: {S.SUBMITTED: S.DISPATCHED, S.RETURNED: S.DISPATCHED},
    A.REJECT: {S.SUBMITTED: S.REJECTED, S.RETURNED: S.REJECTED},
    A.MERGE: {S.SUBMITTED: S.MERGED, S.RETURNED: S.MERGED},
    A.SIGN_FOR: {S.DISPATCHED: S.IN_PROGRESS},
    A.RETURN: {S.DISPATCHED: S.RETURNED, S.IN_PROGRESS: S.RETURNED},
    A.REASSIGN: {S.DISPATCHED: S.DISPATCHED, S.IN_PROGRESS: S.DISPATCHED},
    A.REQUEST_EXTENSION: {S.DISPATCHED: None, S.IN_PROGRESS: None},
    A.APPROVE_EXTENSION: {S.DISPATCHED: None, S.IN_PROGRESS: None},
    A.REFUSE_EXTENSION: {S.DISPATCHED: None, S.IN_PROGRESS: None},
    A.REQUEST_HOLD: {S.IN_PROGRESS: None},
    A.APPROVE_HOLD: {S.IN_PROGRESS: S.ON_HOLD},
    A.REFUSE_HOLD: {S.IN_PROGRESS: None},
    A.RESUME: {S.ON_HOLD: S.IN_PROGRESS},
    A.RECTIFY: {S.IN_PROGRESS: S.RECTIFIED},
    A.VERIFY_PASS: {S.RECTIFIED: S.CLOSED},
    A.VERIFY_FAIL: {S.RECTIFIED: S.IN_PROGRESS},
    A.CLOSE: {S.RECTIFIED: S.CLOSED},
    A.RATE: {S.CLOSED: None},
    A.REOPEN: {S.CLOSED: S.IN_PROGRESS},
    A.ADD_NOTE: {s: None for s in State},
    A.ESCALATE: {s: None for s in OPEN},
    A.HAND_OVER: {S.DISPATCHED: None, S.IN_PROGRESS: None, S.ON_HOLD: None, S.RECTIFIED: None},
    A.SELF_HANDLE: {S.SUBMITTED: S.CLOSED},
}

# Who may act: one role that may, for each action (others are checked below).
ALLOWED_ROLE = {
    A.SUBMIT: Role.RESIDENT, A.SUPPORT: Role.RESIDENT, A.DISPATCH: Role.DISPATCHER,
    A.REJECT: Role.DISPATCHER,
    A.MERGE: Role.DISPATCHER, A.SIGN_FOR: Role.ROAD_CHIEF, A.RETURN: Role.AGENCY_STAFF,
    A.REASSIGN: Role.ROAD_CHIEF, A.REQUEST_EXTENSION: Role.ROAD_CHIEF,
    A.APPROVE_EXTENSION: Role.SUPERVISOR, A.REFUSE_EXTENSION: Role.SUPERVISOR,
    A.REQUEST_HOLD: Role.AGENCY_STAFF, A.APPROVE_HOLD: Role.SUPERVISOR,
    A.REFUSE_HOLD: Role.SUPERVISOR, A.RESUME: Role.SUPERVISOR, A.RECTIFY: Role.TEAM_MEMBER,
    A.VERIFY_PASS: Role.INSPECTOR, A.VERIFY_FAIL: Role.INSPECTOR, A.CLOSE: Role.SUPERVISOR,
    A.RATE: Role.RESIDENT, A.REOPEN: Role.SUPERVISOR, A.ADD_NOTE: Role.INSPECTOR,
    A.ESCALATE: Role.SYSTEM, A.HAND_OVER: Role.ADMIN, A.SELF_HANDLE: Role.INSPECTOR,
}
ALL_INPUTS = list(Input)
PAIRS = [(s, a) for s in [None, *State] for a in Action]


def test_every_action_of_the_domain_is_in_the_table():
    assert {t.action for t in TABLE} == set(Action) == set(EXPECTED)


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=lambda v: str(v))
def test_each_state_action_pair_is_allowed_exactly_as_specified(state, action):
    role = ALLOWED_ROLE[action]
    if state in EXPECTED[action]:
        transition = check(state, action, role, ALL_INPUTS)
        expected = EXPECTED[action][state]
        assert transition.next_state(state) == (expected if expected is not None else state)
    else:
        with pytest.raises(ActionNotAllowed) as refused:
            check(state, action, role, ALL_INPUTS)
        # The refusal names both the state and the action.
        assert str(state or "new") in str(refused.value)
        assert action.value in str(refused.value)


@pytest.mark.parametrize(
    ("action", "state", "role"),
    [
        (A.DISPATCH, S.SUBMITTED, Role.ROAD_CHIEF),
        (A.SIGN_FOR, S.DISPATCHED, Role.DISPATCHER),
        (A.RECTIFY, S.IN_PROGRESS, Role.INSPECTOR),
        (A.VERIFY_PASS, S.RECTIFIED, Role.ROAD_CHIEF),
        (A.APPROVE_EXTENSION, S.IN_PROGRESS, Role.ROAD_CHIEF),
        (A.APPROVE_HOLD, S.IN_PROGRESS, Role.DISPATCHER),
        (A.RATE, S.CLOSED, Role.SUPERVISOR),
        (A.REOPEN, S.CLOSED, Role.RESIDENT),
        (A.ESCALATE, S.IN_PROGRESS, Role.SUPERVISOR),
        (A.ADD_NOTE, S.IN_PROGRESS, Role.RESIDENT),
        (A.REJECT, S.SUBMITTED, Role.ADMIN),
        (A.HAND_OVER, S.IN_PROGRESS, Role.ROAD_CHIEF),
        (A.HAND_OVER, S.DISPATCHED, Role.SYSTEM),
    ],
)
def test_a_role_outside_the_rule_is_refused(action, state, role):
    with pytest.raises(RoleNotAllowed) as refused:
        check(state, action, role, ALL_INPUTS)
    assert role.value in str(refused.value)


@pytest.mark.parametrize(
    ("action", "state", "role", "needs"),
    [
        (A.REJECT, S.SUBMITTED, Role.DISPATCHER, {Input.REASON}),
        (A.RETURN, S.IN_PROGRESS, Role.ROAD_CHIEF, {Input.REASON}),
        (A.RECTIFY, S.IN_PROGRESS, Role.ROAD_CHIEF, {Input.NOTE, Input.PHOTO}),
        (A.VERIFY_FAIL, S.RECTIFIED, Role.INSPECTOR, {Input.NOTE, Input.PHOTO}),
        (A.REQUEST_EXTENSION, S.IN_PROGRESS, Role.ROAD_CHIEF, {Input.REASON, Input.NEW_DEADLINE}),
        (A.MERGE, S.SUBMITTED, Role.DISPATCHER, {Input.TARGET_CASE}),
        (A.RATE, S.CLOSED, Role.RESIDENT, {Input.RATING}),
        (A.REOPEN, S.CLOSED, Role.SUPERVISOR, {Input.REASON}),
        (A.HAND_OVER, S.ON_HOLD, Role.ADMIN, {Input.ASSIGNEE}),
    ],
)
def test_required_inputs_are_enforced_one_by_one(action, state, role, needs):
    assert check(state, action, role, needs)
    for missing in needs:
        with pytest.raises(MissingInput) as refused:
            check(state, action, role, needs - {missing})
        assert refused.value.missing == [missing]


def test_buttons_shown_to_a_road_chief_on_a_signed_case():
    shown = allowed_actions(S.IN_PROGRESS, [Role.ROAD_CHIEF])
    assert A.RECTIFY in shown and A.RETURN in shown and A.REQUEST_HOLD in shown
    assert A.VERIFY_PASS not in shown and A.APPROVE_HOLD not in shown


def test_final_states_allow_nothing_but_notes():
    for state in (S.REJECTED, S.MERGED):
        assert allowed_actions(state, list(Role)) == [A.ADD_NOTE]
