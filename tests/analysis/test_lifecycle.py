"""The error-group lifecycle: every transition, with explicit times."""

from __future__ import annotations

import pytest

from lookout.analysis.lifecycle import DAY_S, current, first_event, ignore, on_event, reopen, resolve

T0 = 1_795_824_000.0
HOUR = 3600.0
NEW_DAYS = 7


def test_a_new_group_is_new_for_a_week_then_ongoing() -> None:
    state = first_event(T0)
    assert (state.status, state.substatus, state.first_seen, state.last_seen) == ("unresolved", "new", T0, T0)
    later = on_event(state, T0 + 3 * DAY_S, NEW_DAYS)
    assert not later.regressed and later.state.substatus == "new" and later.state.last_seen == T0 + 3 * DAY_S
    assert on_event(state, T0 + 7 * DAY_S, NEW_DAYS).state.substatus == "ongoing"
    # Without any event, readers see it age all the same.
    assert current(state, T0 + 6 * DAY_S, NEW_DAYS).substatus == "new"
    assert current(state, T0 + 8 * DAY_S, NEW_DAYS).substatus == "ongoing"


def test_an_out_of_order_event_never_moves_last_seen_back() -> None:
    state = on_event(first_event(T0), T0 + HOUR, NEW_DAYS).state
    assert on_event(state, T0 + 60, NEW_DAYS).state.last_seen == T0 + HOUR


def test_a_resolved_group_regresses_on_its_next_event() -> None:
    resolved = resolve(first_event(T0), T0 + HOUR)
    assert (resolved.status, resolved.substatus, resolved.status_changed_at) == ("resolved", None, T0 + HOUR)
    assert current(resolved, T0 + 30 * DAY_S, NEW_DAYS) == resolved  # stays resolved with no events
    result = on_event(resolved, T0 + 2 * HOUR, NEW_DAYS)
    assert result.regressed
    assert (result.state.status, result.state.substatus) == ("unresolved", "regressed")
    assert result.state.status_changed_at == T0 + 2 * HOUR and result.state.first_seen == T0
    again = on_event(result.state, T0 + 3 * HOUR, NEW_DAYS)
    assert not again.regressed and again.state.substatus == "regressed"  # one regression, not one per event
    # "regressed" reads as "ongoing" a week after the regression.
    assert current(result.state, T0 + 2 * HOUR + 8 * DAY_S, NEW_DAYS).substatus == "ongoing"


def test_ignore_forever() -> None:
    ignored = ignore(first_event(T0), T0 + HOUR)
    assert (ignored.status, ignored.substatus) == ("ignored", None)
    for n in range(1, 50):
        result = on_event(ignored, T0 + n * DAY_S, NEW_DAYS)
        assert result.state.status == "ignored" and not result.regressed
    assert current(ignored, T0 + 365 * DAY_S, NEW_DAYS).status == "ignored"


def test_ignore_for_a_duration() -> None:
    ignored = ignore(first_event(T0), T0, for_s=2 * HOUR)
    assert ignored.ignored_until == T0 + 2 * HOUR
    assert on_event(ignored, T0 + HOUR, NEW_DAYS).state.status == "ignored"
    after = on_event(ignored, T0 + 3 * HOUR, NEW_DAYS).state
    assert (after.status, after.substatus, after.ignored_until) == ("unresolved", "new", None)
    # With no events, the ignore runs out all the same (as of its end time).
    expired = current(ignored, T0 + 10 * DAY_S, NEW_DAYS)
    assert (expired.status, expired.substatus, expired.status_changed_at) == (
        "unresolved",
        "ongoing",
        T0 + 2 * HOUR,
    )


def test_ignore_until_n_more_events() -> None:
    state = ignore(first_event(T0), T0, until_count=3)
    for n in (1, 2):
        state = on_event(state, T0 + n, NEW_DAYS).state
        assert state.status == "ignored" and state.ignored_events_left == 3 - n
    state = on_event(state, T0 + 3, NEW_DAYS).state
    assert (state.status, state.ignored_events_left) == ("unresolved", None)
    assert current(ignore(first_event(T0), T0, until_count=3), T0 + 99 * DAY_S, NEW_DAYS).status == "ignored"


def test_reopen_clears_resolve_and_ignore() -> None:
    young = reopen(resolve(first_event(T0), T0 + 1), T0 + 2, NEW_DAYS)
    assert (young.status, young.substatus, young.status_changed_at) == ("unresolved", "new", T0 + 2)
    old = reopen(ignore(first_event(T0), T0, for_s=HOUR), T0 + 9 * DAY_S, NEW_DAYS)
    assert (old.status, old.substatus, old.ignored_until) == ("unresolved", "ongoing", None)


def test_ignore_rejects_nonsense() -> None:
    state = first_event(T0)
    with pytest.raises(ValueError, match="not both"):
        ignore(state, T0, for_s=60, until_count=3)
    with pytest.raises(ValueError, match="positive"):
        ignore(state, T0, until_count=0)
    with pytest.raises(ValueError, match="positive"):
        ignore(state, T0, for_s=-1)
