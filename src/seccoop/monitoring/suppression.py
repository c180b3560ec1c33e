"""Small-cell suppression for public tables, so that no hidden cell can be recovered.

A public table has rows (states) and columns (disaggregation cells), with every row total,
every column total and the grand total published. A cell whose count is above zero and below the
threshold is suppressed (primary suppression). Publishing totals would let a reader subtract the
visible cells and recover a lone hidden one, so further cells are hidden (secondary suppression)
until no hidden cell is determined by the published figures.

"Determined" is checked exactly, by linear algebra: the published totals give linear equations
in the hidden cells; a hidden cell is recoverable when its unit vector lies in the row space of
those equations. For a recoverable cell, the cheapest protection is added: another cell in its row or column, or the
other corners of a rectangle through it, whichever hides the smallest total that works. Pure numpy; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence

import numpy as np

Cell = tuple[Hashable, Hashable]


Line = tuple[str, Hashable]  # ("r", row) or ("c", column): a published total


def published_lines(
    rows: Sequence[Hashable], columns: Sequence[Hashable], withheld: Collection[Line] = ()
) -> list[Line]:
    """The totals a table publishes: a row total when the row has several cells (with one column
    the "row total" would be the cell itself), likewise for columns, less the withheld ones."""
    lines = ([("r", r) for r in rows] if len(columns) > 1 else []) + (
        [("c", c) for c in columns] if len(rows) > 1 else []
    )
    return [line for line in lines if line not in withheld]


def recoverable(
    hidden: set[Cell],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    withheld: Collection[Line] = (),
) -> set[Cell]:
    """The hidden cells that the published row and column totals determine exactly."""
    cells = sorted(hidden, key=lambda c: (rows.index(c[0]), columns.index(c[1])))
    if not cells:
        return set()
    lines = published_lines(rows, columns, withheld)
    if not lines:
        return set()
    matrix = np.zeros((len(lines), len(cells)))
    for j, (r, c) in enumerate(cells):
        for line in (("r", r), ("c", c)):
            if line in lines:
                matrix[lines.index(line), j] = 1
    rank = np.linalg.matrix_rank(matrix)
    out = set()
    for j, cell in enumerate(cells):
        unit = np.zeros((1, len(cells)))
        unit[0, j] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(cell)
    return out


def suppress(
    table: dict[Cell, float | None],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    threshold: int,
) -> set[Cell]:
    """The cells to hide: primary (0 < value < threshold), then secondary until none is recoverable."""
    return suppress_table(table, rows, columns, threshold)[0]


def suppress_table(
    table: dict[Cell, float | None],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    threshold: int,
    known: Collection[Cell] = (),
) -> tuple[set[Cell], set[Line]]:
    """The cells to hide and the totals to withhold.

    Cells are hidden first (primary, then the cheapest protection of each recoverable cell). Where
    no cell can protect one (its row holds no other figure, say), the totals through it are
    withheld instead. The grand total is published only when no total is withheld.

    ``known`` are cells the reader already holds (their own organisation's figures): they are
    never hidden from that reader and never serve as protection, and the check that no hidden
    cell is recoverable counts them as known, so a reader cannot subtract their own figures
    from a total to recover someone else's.
    """
    withheld: set[Line] = set()
    if threshold <= 0:
        return set(), withheld
    known = set(known)
    hidden = {
        cell
        for cell, v in table.items()
        if v is not None and 0 < v < threshold and cell not in known
    }
    for _round in range(2 * len(table) + len(rows) + len(columns) + 1):
        exposed = recoverable(hidden, rows, columns, withheld)
        if not exposed:
            return hidden, withheld
        target = min(exposed, key=lambda c: (rows.index(c[0]), columns.index(c[1])))
        options = _protections(target, hidden, table, rows, columns, withheld, known)
        if options:
            hidden |= min(
                options, key=lambda cells: (sum(table[c] or 0.0 for c in cells), len(cells))
            )
        else:
            withheld |= {("r", target[0]), ("c", target[1])}
    return (
        {cell for cell, v in table.items() if v is not None and cell not in known},
        set(published_lines(rows, columns)),
    )


def _protections(
    target: Cell,
    hidden: set[Cell],
    table: dict[Cell, float | None],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    withheld: Collection[Line],
    known: Collection[Cell] = (),
) -> list[set[Cell]]:
    """Sets of further cells whose hiding leaves ``target`` undetermined: one cell in its row or
    column, or the other three corners of a rectangle through it (the classic complementary
    pattern). Only cells that hold a figure are hidden."""

    def present(cell: Cell) -> bool:
        return table.get(cell) is not None and cell not in known

    r, c = target
    options: list[set[Cell]] = []
    singles = [(r, c2) for c2 in columns if c2 != c] + [(r2, c) for r2 in rows if r2 != r]
    for cell in singles:
        if present(cell) and cell not in hidden:
            options.append({cell})
    for r2 in rows:
        for c2 in columns:
            if r2 == r or c2 == c:
                continue
            corners = {(r, c2), (r2, c), (r2, c2)}
            if all(present(x) for x in corners):
                extra = corners - hidden
                if extra:
                    options.append(extra)
    return [o for o in options if target not in recoverable(hidden | o, rows, columns, withheld)]
