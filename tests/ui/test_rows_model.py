"""The list model behind the Traces, Errors, Drift and Alerts tables: rows, sorting, further pages."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester

from lookout.ui.models.rows import ROW_ROLE, Column, RowsModel


@dataclass(frozen=True)
class Item:
    name: str
    count: int


def _model() -> RowsModel[Item]:
    return RowsModel(
        [
            Column("Name", lambda i: i.name, color=lambda i: "#ff0000" if i.count > 5 else None),
            Column("Count", lambda i: f"{i.count:,}", sort=lambda i: i.count, numeric=True),
        ]
    )


def test_pages_are_appended_and_the_next_one_is_asked_for_once(qtmodeltester: ModelTester) -> None:
    model = _model()
    asked: list[str] = []
    model.set_rows([Item("a", 3), Item("b", 1)])
    assert not model.canFetchMore(QModelIndex())

    model.offer_more(lambda: asked.append("page 2"))
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())  # asked already: nothing more is on offer until the page comes
    model.append_rows([Item("c", 7)])

    assert asked == ["page 2"]
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == ["a", "b", "c"]
    qtmodeltester.check(model)
    model.offer_more(lambda: asked.append("page 3"))
    model.set_rows([Item("z", 1)])  # read again from the top: the old offer is gone
    assert not model.canFetchMore(QModelIndex())


def test_an_appended_page_joins_the_sort_the_user_chose(qtmodeltester: ModelTester) -> None:
    model = _model()
    model.set_rows([Item("a", 3), Item("b", 10)])
    model.sort(1, Qt.SortOrder.DescendingOrder)

    model.append_rows([Item("c", 5), Item("d", 20)])

    assert [model.row(r).name for r in range(4)] == ["d", "b", "c", "a"]
    assert model.data(model.index(0, 0), ROW_ROLE) == Item("d", 20)
    qtmodeltester.check(model)


def test_a_cell_in_one_call_matches_the_roles() -> None:
    model = _model()
    model.set_rows([Item("big", 1234), Item("small", 2)])

    for row in range(2):
        for column in range(2):
            index = model.index(row, column)
            text, alignment, color = model.cell(row, column)
            assert text == model.data(index)
            assert color == model.data(index, Qt.ItemDataRole.ForegroundRole)
            assert bool(alignment & int(Qt.AlignmentFlag.AlignRight.value)) == (column == 1)
    assert model.cell(0, 1)[0] == "1,234"
    assert model.cell(0, 0)[2] is not None and model.cell(1, 0)[2] is None
