"""Small-cell suppression: examples, and a property checked against an independent solver."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seccoop.monitoring.suppression import Cell, recoverable, suppress

Table = dict[Cell, float | None]  # a cell without a figure is None


def grid(values: list[list[int]]) -> tuple[Table, list[str], list[str]]:
    rows = [f"r{i}" for i in range(len(values))]
    columns = [f"c{j}" for j in range(len(values[0]))]
    table: Table = {
        (r, c): v
        for r, line in zip(rows, values, strict=True)
        for c, v in zip(columns, line, strict=True)
    }
    return table, rows, columns


def published_equations(hidden: list[Cell], rows: list[str], columns: list[str]) -> np.ndarray:
    """Each published total, as a linear equation in the hidden cells (visible cells are known).

    Row totals are published when a row has more than one cell, column totals when a column
    does, and the grand total always.
    """
    lines: list[list[float]] = []
    if len(columns) > 1:
        lines += [[1.0 if cell[0] == r else 0.0 for cell in hidden] for r in rows]
    if len(rows) > 1:
        lines += [[1.0 if cell[1] == c else 0.0 for cell in hidden] for c in columns]
    lines.append([1.0] * len(hidden))
    return np.array(lines)


def determined(hidden: set[Cell], rows: list[str], columns: list[str]) -> set[Cell]:
    """Hidden cells that the totals pin down: e_j solves A^T y = e_j (checked by least squares)."""
    cells = sorted(hidden)
    if not cells:
        return set()
    a = published_equations(cells, rows, columns)
    out = set()
    for j, cell in enumerate(cells):
        unit = np.zeros(len(cells))
        unit[j] = 1.0
        y, *_ = np.linalg.lstsq(a.T, unit, rcond=None)
        in_row_space = np.allclose(a.T @ y, unit, atol=1e-8)
        # The same fact by rank: adding e_j to the equations does not add a dimension.
        by_rank = np.linalg.matrix_rank(np.vstack([a, unit])) == np.linalg.matrix_rank(a)
        assert in_row_space == by_rank
        if in_row_space:
            out.add(cell)
    return out


# --- the independent checker itself ---------------------------------------------------------


def test_checker_sees_a_lone_hidden_cell_and_a_protected_rectangle() -> None:
    rows, columns = ["a", "b", "c"], ["x", "y", "z"]
    assert determined({("a", "x")}, rows, columns) == {("a", "x")}
    assert determined({("a", "x"), ("a", "y")}, rows, columns) == {("a", "x"), ("a", "y")}
    rectangle = {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert determined(rectangle, rows, columns) == set()
    assert determined({("a", "x"), ("b", "x")}, rows, ["x"]) == set()
    assert determined({("a", "x")}, rows, ["x"]) == {("a", "x")}


def test_recoverable_examples() -> None:
    rows, columns = ["a", "b", "c"], ["x", "y", "z"]
    assert recoverable(set(), rows, columns) == set()
    assert recoverable({("a", "x")}, rows, columns) == {("a", "x")}
    assert recoverable({("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}, rows, columns) == set()
    # Hidden cells that share only a row stay determined by their columns.
    assert recoverable({("a", "x"), ("a", "y")}, rows, columns) == {("a", "x"), ("a", "y")}


# --- examples -------------------------------------------------------------------------------


def test_single_small_cell_in_a_3x3_table_gets_complementary_cells() -> None:
    table, rows, columns = grid([[2, 9, 14], [11, 6, 20], [13, 17, 8]])
    hidden = suppress(table, rows, columns, threshold=5)
    assert ("r0", "c0") in hidden
    assert len(hidden) >= 4  # a lone cell needs a second in its row, column and a corner
    assert recoverable(hidden, rows, columns) == set()
    assert determined(hidden, rows, columns) == set()


def test_single_small_cell_in_a_3x3_table_does_not_hide_the_whole_table() -> None:
    table, rows, columns = grid([[2, 9, 14], [11, 6, 20], [13, 17, 8]])
    hidden = suppress(table, rows, columns, threshold=5)
    assert len(hidden) < len(table)


def test_single_column_table_hides_a_second_cell_because_the_column_total_is_published() -> None:
    table, rows, columns = grid([[4], [30], [12], [25]])
    hidden = suppress(table, rows, columns, threshold=5)
    assert hidden == {("r0", "c0"), ("r2", "c0")}  # the small cell and the smallest other
    assert recoverable(hidden, rows, columns) == set()
    assert determined(hidden, rows, columns) == set()


def test_single_row_table_hides_a_second_cell_because_the_row_total_is_published() -> None:
    table, rows, columns = grid([[30, 4, 12]])
    hidden = suppress(table, rows, columns, threshold=5)
    assert hidden == {("r0", "c1"), ("r0", "c2")}


@pytest.mark.parametrize("threshold", [0, -1])
def test_threshold_zero_hides_nothing(threshold: int) -> None:
    table, rows, columns = grid([[1, 2], [3, 0]])
    assert suppress(table, rows, columns, threshold=threshold) == set()


def test_nothing_small_hides_nothing() -> None:
    table, rows, columns = grid([[0, 12], [30, 0]])
    assert suppress(table, rows, columns, threshold=5) == set()


def test_a_rectangle_of_small_cells_protects_itself() -> None:
    table, rows, columns = grid([[1, 2, 40], [3, 4, 50], [60, 70, 80]])
    assert suppress(table, rows, columns, threshold=5) == {
        ("r0", "c0"),
        ("r0", "c1"),
        ("r1", "c0"),
        ("r1", "c1"),
    }


def test_missing_cells_are_never_hidden() -> None:
    table: Table = {("a", "x"): 2, ("a", "y"): None, ("b", "x"): 20, ("b", "y"): 30}
    hidden = suppress(table, ["a", "b"], ["x", "y"], threshold=5)
    assert ("a", "x") in hidden and ("a", "y") not in hidden


STATES = ["ATG", "BRB", "DMA", "GRD"]
SEXES = ["female", "male"]
# Grenada reports 3 women (below the threshold); Antigua 12.
SMALL_STATES = {
    ("ATG", "female"): 12,
    ("ATG", "male"): 40,
    ("BRB", "female"): 20,
    ("BRB", "male"): 55,
    ("DMA", "female"): 15,
    ("DMA", "male"): 30,
    ("GRD", "female"): 3,
    ("GRD", "male"): 25,
}


def test_grenada_3_is_hidden_and_cannot_be_recovered() -> None:
    hidden = suppress(SMALL_STATES, STATES, SEXES, threshold=5)
    assert ("GRD", "female") in hidden
    assert recoverable(hidden, STATES, SEXES) == set()
    assert determined(hidden, STATES, SEXES) == set()


def test_grenada_3_does_not_hide_the_whole_table() -> None:
    hidden = suppress(SMALL_STATES, STATES, SEXES, threshold=5)
    assert len(hidden) < len(SMALL_STATES)


# --- property -------------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], int]:
    n_rows = draw(st.integers(2, 6))
    n_columns = draw(st.integers(1, 4))
    values = draw(
        st.lists(
            st.lists(st.integers(0, 30), min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return values, draw(st.integers(1, 10))


@settings(max_examples=200, deadline=None)
@given(tables())
def test_suppression_leaves_no_hidden_cell_recoverable(case: tuple[list[list[int]], int]) -> None:
    values, threshold = case
    table, rows, columns = grid(values)
    hidden = suppress(table, rows, columns, threshold)
    assert hidden <= set(table)
    primary = {cell for cell, v in table.items() if 0 < v < threshold}
    assert primary <= hidden
    assert recoverable(hidden, rows, columns) == set()
    assert determined(hidden, rows, columns) == set()
    if not primary:
        assert hidden == set()
