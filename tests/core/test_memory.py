"""freeze_long_lived_objects: survivors leave the collector's reach, garbage is freed first."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from lookout.core.memory import freeze_long_lived_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def unfreeze_after() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # hand the test process's objects back to the collector


def test_survivors_are_frozen_and_cyclic_garbage_is_freed_not_frozen() -> None:
    kept = Node()
    garbage = Node()
    garbage.other = Node()
    garbage.other.other = garbage  # a cycle only the collector can free
    gone = weakref.ref(garbage)
    del garbage

    freeze_long_lived_objects()

    assert gone() is None
    assert gc.get_freeze_count() > 0
    assert all(obj is not kept for obj in gc.get_objects())
