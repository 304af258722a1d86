"""The committed notebooks, for tests that read them as documents."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Worked solutions of the exercise notebooks (the blanks are in NOTEBOOKS).
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


def is_exercises(path: Path) -> bool:
    """An exercise notebook (blank or solution): one section per chapter notebook."""
    return "_exercises_" in path.name
