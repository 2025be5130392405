"""The closed loop as data: which action may move a case from which state, by whom and
with what inputs. What each action does to the case's clocks and counters is
``workflows.effects``.

Every change of a case goes through :func:`check`, called by the one service door in
``app/services``; screens use :func:`allowed_actions` to show only the buttons the state
machine allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    SUBMITTED = "submitted"  # 待受理
    REJECTED = "rejected"  # 不予受理 (final)
    MERGED = "merged"  # 已合并 (final)
    DISPATCHED = "dispatched"  # 已派遣
    IN_PROGRESS = "in_progress"  # 处置中
    RETURNED = "returned"  # 已退回
    ON_HOLD = "on_hold"  # 挂账/缓办
    RECTIFIED = "rectified"  # 待核查
    CLOSED = "closed"  # 已结案


FINAL_STATES = frozenset({State.REJECTED, State.MERGED})
#: States in which the case waits for someone and its clock may run.
OPEN_STATES = frozenset(
    {State.SUBMITTED, State.DISPATCHED, State.IN_PROGRESS, State.RETURNED, State.RECTIFIED}
)
#: States in which an assignee holds the case.
ASSIGNED_STATES = frozenset({State.DISPATCHED, State.IN_PROGRESS, State.ON_HOLD, State.RECTIFIED})


class Role(StrEnum):
    RESIDENT = "resident"  # 市民
    DISPATCHER = "dispatcher"  # 受理员/派遣员
    ROAD_CHIEF = "road_chief"  # 路长
    TEAM_MEMBER = "team_member"  # 楼长/店长/共治力量 ("2+N")
    AGENCY_STAFF = "agency_staff"  # 联动单位
    INSPECTOR = "inspector"  # 监督员/核查员
    SUPERVISOR = "supervisor"  # 值班长/指挥中心
    OPERATOR = "operator"  # 热线坐席 (12345 hotline operator)
    ADMIN = "admin"  # 系统管理员
    SYSTEM = "system"  # scheduled jobs and automatic routing


class Action(StrEnum):
    SUBMIT = "submit"
    SUPPORT = "support"  # another resident reports the same problem and follows this case
    DISPATCH = "dispatch"
    REJECT = "reject"
    MERGE = "merge"
    SIGN_FOR = "sign_for"
    RETURN = "return"
    REASSIGN = "reassign"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    REQUEST_HOLD = "request_hold"
    APPROVE_HOLD = "approve_hold"
    REFUSE_HOLD = "refuse_hold"
    RESUME = "resume"
    RECTIFY = "rectify"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"
    CLOSE = "close"
    RATE = "rate"
    REOPEN = "reopen"
    ADD_NOTE = "add_note"
    ESCALATE = "escalate"
    HAND_OVER = "hand_over"  # an area has a new road chief: its open cases go with it
    SELF_HANDLE = "self_handle"  # 自行处置: an inspector fixed it on the spot while reporting


class Input(StrEnum):
    """Inputs an action cannot go without."""

    REASON = "reason"
    NOTE = "note"
    PHOTO = "photo"
    ASSIGNEE = "assignee"
    TARGET_CASE = "target_case"
    NEW_DEADLINE = "new_deadline"
    RATING = "rating"
    LEVEL = "level"


@dataclass(frozen=True)
class Transition:
    action: Action
    source: State | None  # None: the case does not exist yet
    target: State | None  # None: the state does not change
    roles: frozenset[Role]
    requires: frozenset[Input] = frozenset()

    def next_state(self, current: State | None) -> State:
        result = self.target if self.target is not None else current
        assert result is not None
        return result


class TransitionError(Exception):
    """Base class for refusals by the state machine."""


class ActionNotAllowed(TransitionError):
    def __init__(self, state: State | None, action: Action):
        self.state, self.action = state, action
        super().__init__(f"action '{action}' is not allowed in state '{state or 'new'}'")


class RoleNotAllowed(TransitionError):
    def __init__(self, state: State | None, action: Action, role: Role):
        self.state, self.action, self.role = state, action, role
        super().__init__(f"role '{role}' may not '{action}' a case in state '{state or 'new'}'")


class MissingInput(TransitionError):
    def __init__(self, action: Action, missing: Iterable[Input]):
        self.action, self.missing = action, sorted(missing)
        names = ", ".join(m.value for m in self.missing)
        super().__init__(f"action '{action}' needs: {names}")


S, A, R, I = State, Action, Role, Input  # noqa: E741 - short aliases keep the table readable
ASSIGNEES = frozenset({R.ROAD_CHIEF, R.TEAM_MEMBER, R.AGENCY_STAFF})
TRIAGE = frozenset({R.DISPATCHER, R.SUPERVISOR})
STAFF = frozenset(
    {R.DISPATCHER, R.ROAD_CHIEF, R.TEAM_MEMBER, R.AGENCY_STAFF, R.INSPECTOR, R.SUPERVISOR,
     R.OPERATOR}
)
ALL_STATES = tuple(State)


def _t(action, sources, target, roles, requires=()):
    return [
        Transition(action, src, target, frozenset(roles), frozenset(requires))
        for src in sources
    ]


TABLE: tuple[Transition, ...] = tuple(
    _t(A.SUBMIT, [None], S.SUBMITTED,
       {R.RESIDENT, R.DISPATCHER, R.INSPECTOR, R.OPERATOR, R.SYSTEM})
    + _t(A.SUPPORT, [S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.ON_HOLD,
                     S.RECTIFIED], None, {R.RESIDENT})
    + _t(A.DISPATCH, [S.SUBMITTED, S.RETURNED], S.DISPATCHED, TRIAGE | {R.SYSTEM},
         [I.ASSIGNEE])
    + _t(A.REJECT, [S.SUBMITTED, S.RETURNED], S.REJECTED, TRIAGE, [I.REASON])
    + _t(A.MERGE, [S.SUBMITTED, S.RETURNED], S.MERGED, TRIAGE, [I.TARGET_CASE])
    + _t(A.SIGN_FOR, [S.DISPATCHED], S.IN_PROGRESS, ASSIGNEES)
    + _t(A.RETURN, [S.DISPATCHED, S.IN_PROGRESS], S.RETURNED, ASSIGNEES, [I.REASON])
    + _t(A.REASSIGN, [S.DISPATCHED, S.IN_PROGRESS], S.DISPATCHED,
         {R.ROAD_CHIEF, R.DISPATCHER, R.SUPERVISOR}, [I.ASSIGNEE])
    + _t(A.REQUEST_EXTENSION, [S.DISPATCHED, S.IN_PROGRESS], None, ASSIGNEES,
         [I.REASON, I.NEW_DEADLINE])
    + _t(A.APPROVE_EXTENSION, [S.DISPATCHED, S.IN_PROGRESS], None, {R.SUPERVISOR})
    + _t(A.REFUSE_EXTENSION, [S.DISPATCHED, S.IN_PROGRESS], None, {R.SUPERVISOR}, [I.REASON])
    + _t(A.REQUEST_HOLD, [S.IN_PROGRESS], None, ASSIGNEES, [I.REASON])
    + _t(A.APPROVE_HOLD, [S.IN_PROGRESS], S.ON_HOLD, {R.SUPERVISOR})
    + _t(A.REFUSE_HOLD, [S.IN_PROGRESS], None, {R.SUPERVISOR}, [I.REASON])
    + _t(A.RESUME, [S.ON_HOLD], S.IN_PROGRESS, {R.SUPERVISOR, R.SYSTEM})
    + _t(A.RECTIFY, [S.IN_PROGRESS], S.RECTIFIED, ASSIGNEES, [I.NOTE, I.PHOTO])
    + _t(A.VERIFY_PASS, [S.RECTIFIED], S.CLOSED, {R.INSPECTOR, R.SUPERVISOR})
    + _t(A.VERIFY_FAIL, [S.RECTIFIED], S.IN_PROGRESS, {R.INSPECTOR, R.SUPERVISOR},
         [I.NOTE, I.PHOTO])
    + _t(A.CLOSE, [S.RECTIFIED], S.CLOSED, {R.SUPERVISOR}, [I.REASON])
    # A minor problem the inspector fixed while on patrol: their own fresh report is closed
    # with the after photo. It never entered the time-limit loop (no dispatch, no deadline).
    + _t(A.SELF_HANDLE, [S.SUBMITTED], S.CLOSED, {R.INSPECTOR}, [I.NOTE, I.PHOTO])
    + _t(A.RATE, [S.CLOSED], None, {R.RESIDENT}, [I.RATING])
    + _t(A.REOPEN, [S.CLOSED], S.IN_PROGRESS, {R.SUPERVISOR}, [I.REASON])
    + _t(A.ADD_NOTE, ALL_STATES, None, STAFF, [I.NOTE])
    + _t(A.ESCALATE, [S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.RECTIFIED], None,
         {R.SYSTEM}, [I.LEVEL])
    # An administrator hands an area to a new road chief: the open cases move with it,
    # keeping their state and deadlines (unlike REASSIGN, which asks for a new signature).
    + _t(A.HAND_OVER, [S.DISPATCHED, S.IN_PROGRESS, S.ON_HOLD, S.RECTIFIED], None, {R.ADMIN},
         [I.ASSIGNEE])
)

_BY_KEY: dict[tuple[State | None, Action], Transition] = {(t.source, t.action): t for t in TABLE}
assert len(_BY_KEY) == len(TABLE), "duplicate (state, action) in the transition table"


def find(state: State | None, action: Action) -> Transition | None:
    return _BY_KEY.get((state, Action(action)))


def check(
    state: State | None, action: Action, role: Role, provided: Iterable[Input] = ()
) -> Transition:
    """The transition for ``action`` in ``state`` by ``role``, or a :class:`TransitionError`
    that names what is wrong. Refusal order: state first, then role, then inputs."""
    action = Action(action)
    transition = find(state, action)
    if transition is None:
        raise ActionNotAllowed(state, action)
    if Role(role) not in transition.roles:
        raise RoleNotAllowed(state, action, Role(role))
    missing = transition.requires - frozenset(provided)
    if missing:
        raise MissingInput(action, missing)
    return transition


def allowed_actions(state: State, roles: Iterable[Role]) -> list[Action]:
    """Actions the given roles may take in ``state``, in table order (for buttons)."""
    roles = frozenset(roles)
    return [t.action for t in TABLE if t.source == state and t.roles & roles]
