"""Write the blank exercise notebooks from their worked solutions (the one source of truth).

Usage: ``python tools/make_exercises.py``  (then re-run the blanks for their outputs:
``NOTEBOOK_PRESET=default python tools/run_notebooks.py notebooks/17_*.ipynb notebooks/18_*.ipynb``)

``notebooks/solutions/NN_exercises_*.ipynb`` -> ``notebooks/NN_exercises_*.ipynb``:

- code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes ``# your code here``
  (``...  # your code here`` inside a block, where Python needs a statement);
- ``assert ex.check_...(...)`` becomes ``ex.check_...(...)``: a blank is not answered yet;
- in markdown, ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` is dropped (and a
  cell left empty with it),
  ``<!-- BLANK:`` ... ``-->`` is uncommented, `` (worked solutions)`` leaves the title, and
  links ``](../`` lose their ``../`` (the blanks sit one folder up).

Outputs of a blank are kept for cells whose source did not change, so that
regenerating after a prose edit does not wipe the committed outputs of other cells.
``--check`` exits with status 1 if a committed blank is out of date.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "notebooks" / "solutions"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
PLACEHOLDER = "# your code here"
ASSERTED_CHECK = re.compile(r"^(\s*)assert (ex\.check_\w+\(.*\))\s*$")


def blank_code(source: str) -> str:
    lines, inside = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r} in:\n{source}")
            inside, indent = True, line[:len(line) - len(line.lstrip())]
            lines.append(f"{indent}...  {PLACEHOLDER}" if indent else PLACEHOLDER)
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r} in:\n{source}")
            inside = False
        elif not inside:
            lines.append(ASSERTED_CHECK.sub(r"\1\2", line))
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r} in:\n{source}")
    return "\n".join(lines)


def blank_markdown(source: str) -> str:
    source = re.sub(r"\n?<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", "", source,
                    flags=re.DOTALL)
    source = re.sub(r"<!-- BLANK:\n(.*?)\n-->", r"\1", source, flags=re.DOTALL)
    source = source.replace(" (worked solutions)", "")
    return source.replace("](../", "](")


def blank_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    blank = nbformat.v4.new_notebook(metadata=solution.metadata)
    for cell in solution.cells:
        if cell.cell_type == "code":
            blank.cells.append(nbformat.v4.new_code_cell(blank_code(cell.source)))
        elif blank_markdown(cell.source).strip():  # a cell that held only a solution goes
            blank.cells.append(nbformat.v4.new_markdown_cell(blank_markdown(cell.source)))
    return blank


def blank_path(solution_path: Path) -> Path:
    return solution_path.parent.parent / solution_path.name


def sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def write_blank(solution_path: Path) -> bool:
    """Write the blank of ``solution_path``; True if it changed."""
    blank = blank_notebook(nbformat.read(solution_path, as_version=4))
    target = blank_path(solution_path)
    if target.exists():
        old = nbformat.read(target, as_version=4)
        if sources(old) == sources(blank):
            return False
        kept = {cell.source: cell for cell in old.cells if cell.cell_type == "code"}
        for cell in blank.cells:
            if cell.cell_type == "code" and cell.source in kept:
                cell.outputs = kept[cell.source].outputs
                cell.execution_count = kept[cell.source].execution_count
    nbformat.write(blank, target)
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for solution_path in sorted(SOLUTIONS.glob("[0-9][0-9]_exercises_*.ipynb")):
        target = blank_path(solution_path)
        if check:
            blank = blank_notebook(nbformat.read(solution_path, as_version=4))
            if not target.exists() or sources(nbformat.read(target, as_version=4)) != sources(blank):
                stale.append(target.name)
        elif write_blank(solution_path):
            print(f"wrote {target.relative_to(ROOT)}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python tools/make_exercises.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
