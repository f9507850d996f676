"""Stream chunk arrival times: stored as times only, bounded in size."""

from __future__ import annotations

import json

from lookout.recorder.payload import MAX_CHUNK_TIMES, chunk_times


def test_chunk_times_keep_only_the_times() -> None:
    marks = [(120, 95.04), (480, 120.0), (2048, 180.26)]
    assert json.loads(chunk_times(marks) or "") == [95.0, 120.0, 180.3]
    assert chunk_times([]) is None


def test_a_long_stream_is_thinned_evenly_keeping_first_and_last() -> None:
    marks = [(i, float(i)) for i in range(MAX_CHUNK_TIMES * 3 + 7)]
    times = json.loads(chunk_times(marks) or "")
    assert len(times) == MAX_CHUNK_TIMES
    assert times[0] == 0.0 and times[-1] == float(MAX_CHUNK_TIMES * 3 + 6)
    assert times == sorted(times)
