"""Committed notebooks carry the outputs of a clean default-preset run, so a
reader on GitHub sees every figure and number."""
import re

import nbformat
import pytest

from notebook_files import NOTEBOOKS, ROOT, SOLUTIONS, is_exercises

NOISE = re.compile(r"oneDNN|cuda_drivers|absl::|cpu_feature_guard|Traceback")


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS,
                         ids=lambda path: str(path.relative_to(ROOT / "notebooks")))
def test_outputs_from_a_default_run_in_order(path):
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), \
        "run the notebook top to bottom in a fresh kernel (make outputs)"
    first_output = "".join(output.get("text", "") for output in code_cells[0].outputs)
    assert "Preset: default" in first_output, "outputs must come from the default preset"
    # Exercise notebooks show figures only where a task calls for one.
    assert is_exercises(path) or any(output.output_type == "display_data"
                                     for cell in code_cells for output in cell.outputs), \
        "no figure in the committed outputs"
    for cell in code_cells:
        for output in cell.outputs:
            assert output.output_type != "error", f"error output in: {cell.source[:60]!r}"
            assert not NOISE.search(output.get("text", "")), \
                f"log noise in committed output of: {cell.source[:60]!r}"


@pytest.mark.parametrize("path", [path for path in NOTEBOOKS if not is_exercises(path)],
                         ids=lambda path: path.stem)
def test_notebook_structure(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "helpers.setup(" in first_code.source
    assert any("What we saw" in cell.source for cell in notebook.cells
               if cell.cell_type == "markdown"), "end with a 'What we saw' summary"


CHAPTER_NOTEBOOKS = {"17": range(1, 9), "18": range(9, 17)}  # exercise notebook -> sections


@pytest.mark.parametrize("path", [path for path in NOTEBOOKS + SOLUTIONS if is_exercises(path)],
                         ids=lambda path: str(path.relative_to(ROOT / "notebooks")))
def test_exercise_notebook_structure(path):
    """One section per chapter notebook, each with a stable anchor, at least three exercises,
    answers to questions hidden until asked for, and a self-check for every code task; code
    tasks tagged with a difficulty that never falls within a section, each with hints."""
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    assert "helpers.setup(" in first_code.source
    sections, current = {}, None
    for cell in notebook.cells:
        anchor = re.search(r'<a id="ex(\d\d)"></a>', cell.source)
        if anchor:
            current = sections.setdefault(anchor[1], {"exercises": 0, "code": 0, "checks": 0,
                                                      "level": 0})
        elif cell.source.startswith("## "):
            current = None
        if current is None:
            continue
        if cell.cell_type == "markdown" and re.match(r"\*\*\d+\.\d+", cell.source):
            current["exercises"] += 1
            if "(code)**" in cell.source:
                current["code"] += 1
                # A difficulty tag, and hints (collapsed) before any solution.
                level = re.search(r"\*Difficulty: (★+)☆*", cell.source)
                assert level and "<summary>Hint 1</summary>" in cell.source, cell.source[:80]
                assert len(level[1]) >= current["level"], f"harder task before: {cell.source[:40]}"
                current["level"] = len(level[1])
            else:
                assert "<details><summary>Show answer</summary>" in cell.source, cell.source[:80]
        if cell.cell_type == "code":
            current["checks"] += len(re.findall(r"ex\.check_\w+\(", cell.source))
    expected = [f"{number:02d}" for number in CHAPTER_NOTEBOOKS[path.name[:2]]]
    assert sorted(sections) == expected
    for number, counts in sections.items():
        assert counts["exercises"] >= 3, f"section {number}: {counts}"
        assert counts["code"] >= 1 and counts["checks"] >= counts["code"], f"section {number}: {counts}"


CHAPTER_NOTEBOOK_PATHS = [path for path in NOTEBOOKS if not is_exercises(path)]


@pytest.mark.parametrize("path", CHAPTER_NOTEBOOK_PATHS, ids=lambda path: path.stem)
def test_closing_cell_points_to_its_exercise_section(path):
    """Each chapter notebook ends with a link to its own section of the exercises
    (blank and solutions), and that section's anchor exists."""
    closing = nbformat.read(path, as_version=4).cells[-1].source
    section = f"ex{path.name[:2]}"
    links = re.findall(r"\]\(((?:solutions/)?\d\d_exercises_\w+\.ipynb)#(ex\d\d)\)", closing)
    assert {anchor for _, anchor in links} == {section}, f"{path.name}: links {links}"
    assert any(target.startswith("solutions/") for target, _ in links), "no link to solutions"
    for target, anchor in links:
        text = (path.parent / target).read_text()
        assert f'id=\\"{anchor}\\"' in text, f"{target} has no section {anchor}"
