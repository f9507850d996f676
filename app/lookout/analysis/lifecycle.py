"""The error-group lifecycle, Sentry-style, as pure functions of a state and a time.

States and substatuses:

* ``unresolved``/``new`` for the first ``new_days`` (7) after the group was first seen,
  then ``unresolved``/``ongoing``;
* ``resolved``: a new event makes it ``unresolved``/``regressed`` (and the caller
  raises a regression alert); ``regressed`` turns ``ongoing`` after ``new_days``;
* ``ignored``: forever, until a time (``ignored_until``), or until N more events
  (``ignored_events_left``); when the condition is met it is ``unresolved`` again.

Times are epoch seconds passed in explicitly, so every transition is testable with a
fixed clock. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Status = Literal["unresolved", "resolved", "ignored"]
Substatus = Literal["new", "ongoing", "regressed"]
STATUSES: tuple[Status, ...] = ("unresolved", "resolved", "ignored")
DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class GroupState:
    """The lifecycle-relevant part of a group. Substatus is None unless unresolved."""

    status: Status
    substatus: Substatus | None
    first_seen: float
    last_seen: float
    status_changed_at: float
    ignored_until: float | None = None
    ignored_events_left: int | None = None


@dataclass(frozen=True, slots=True)
class EventResult:
    """The state after one more event, and whether that event was a regression."""

    state: GroupState
    regressed: bool


def first_event(at: float) -> GroupState:
    """A group's state when its first event arrives at ``at``."""
    return GroupState("unresolved", "new", first_seen=at, last_seen=at, status_changed_at=at)


def on_event(state: GroupState, at: float, new_days: int) -> EventResult:
    """The state after an event at ``at``: regress a resolved group, count down an ignore."""
    seen = replace(state, last_seen=max(state.last_seen, at))
    if state.status == "resolved":
        regressed = GroupState("unresolved", "regressed", state.first_seen, seen.last_seen, at)
        return EventResult(regressed, True)
    if state.status == "ignored":
        return EventResult(_ignored_after_event(seen, at, new_days), False)
    return EventResult(current(seen, at, new_days), False)


def resolve(state: GroupState, at: float) -> GroupState:
    """Mark resolved: the next event will be a regression."""
    return _changed(state, "resolved", None, at)


def ignore(
    state: GroupState, at: float, *, for_s: float | None = None, until_count: int | None = None
) -> GroupState:
    """Ignore forever, for ``for_s`` seconds, or until ``until_count`` more events (not both)."""
    if for_s is not None and until_count is not None:
        raise ValueError("ignore either for a duration or until a number of events, not both")
    if (for_s is not None and for_s <= 0) or (until_count is not None and until_count <= 0):
        raise ValueError("the ignore duration or event count must be positive")
    ignored = _changed(state, "ignored", None, at)
    return replace(
        ignored,
        ignored_until=at + for_s if for_s is not None else None,
        ignored_events_left=until_count,
    )


def reopen(state: GroupState, at: float, new_days: int) -> GroupState:
    """Back to unresolved (``new`` if still young, else ``ongoing``), clearing any ignore."""
    return _changed(state, "unresolved", _age_substatus(state.first_seen, at, new_days), at)


def current(state: GroupState, now: float, new_days: int) -> GroupState:
    """``state`` as of ``now``: apply the transitions that happen by time alone.

    A stored state goes stale between events (``new`` turns ``ongoing`` after a
    week, an ignore runs out); readers show this rather than the stored one.
    """
    if state.status == "ignored" and state.ignored_until is not None and now >= state.ignored_until:
        expired = _changed(state, "unresolved", None, state.ignored_until)
        return replace(expired, substatus=_age_substatus(state.first_seen, now, new_days))
    if state.status != "unresolved":
        return state
    if state.substatus == "regressed":
        young = now - state.status_changed_at < new_days * DAY_S
        return state if young else replace(state, substatus="ongoing")
    return replace(state, substatus=_age_substatus(state.first_seen, now, new_days))


def _ignored_after_event(state: GroupState, at: float, new_days: int) -> GroupState:
    if state.ignored_until is not None:
        return current(state, at, new_days)
    if state.ignored_events_left is None:
        return state  # ignored forever
    left = state.ignored_events_left - 1
    if left > 0:
        return replace(state, ignored_events_left=left)
    return reopen(state, at, new_days)


def _age_substatus(first_seen: float, now: float, new_days: int) -> Substatus:
    return "new" if now - first_seen < new_days * DAY_S else "ongoing"


def _changed(state: GroupState, status: Status, substatus: Substatus | None, at: float) -> GroupState:
    return replace(
        state,
        status=status,
        substatus=substatus,
        status_changed_at=at,
        ignored_until=None,
        ignored_events_left=None,
    )
