"""The notebooks are the single source of the code they mark ``#@save``: every lesson
module of ``helpers`` is up to date with them (``tools/sync_saved_cells.py
--check``), the tool notices when it is not, and the package's imports flow one
way (support <- evaluation <- lessons <- widgets, exercises) without cycles."""
import ast
import shutil
from pathlib import Path

import nbformat
import pytest

import sync_saved_cells as sync
from notebook_files import ROOT

PACKAGE = ROOT / "helpers"


def test_every_lesson_module_is_up_to_date_with_its_notebooks():
    assert sync.sync(write=False) == []


def test_every_saved_cell_lands_in_its_module_with_where_it_came_from():
    for module, stems in sync.MODULES.items():
        text = (PACKAGE / f"{module}.py").read_text()
        for stem in stems:
            cells = sync.saved_cells(ROOT / "notebooks" / f"{stem}.ipynb")
            assert cells, f"{stem} has no #@save cell but MODULES lists it"
            for cell in cells:
                assert f"# notebooks/{cell.notebook}, cell {cell.number}\n" in text


@pytest.fixture
def copy(tmp_path):
    """A copy of the notebooks and the lesson modules to break."""
    notebooks, package = tmp_path / "notebooks", tmp_path / "helpers"
    notebooks.mkdir()
    package.mkdir()
    for stems in sync.MODULES.values():
        for stem in stems:
            shutil.copy(ROOT / "notebooks" / f"{stem}.ipynb", notebooks)
    for module in sync.MODULES:
        shutil.copy(PACKAGE / f"{module}.py", package)
    return notebooks, package


def _edit_saved_cell(notebook: Path, old: str, new: str) -> None:
    nb = nbformat.read(notebook, as_version=4)
    cell = next(cell for cell in nb.cells if cell.source.startswith("#@save") and old in cell.source)
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, notebook)


def test_an_edited_cell_makes_its_module_stale_until_synced(copy, monkeypatch):
    notebooks, package = copy
    monkeypatch.setattr(sync, "ROOT", notebooks.parent)
    _edit_saved_cell(notebooks / "08_variational_autoencoders.ipynb",
                     "def latent_loss(", "# an edit\ndef latent_loss(")
    problems = sync.sync(write=False, package=package, notebooks=notebooks)
    assert problems == ["helpers/vae.py is out of date with 08_variational_autoencoders "
                        "(run `make sync`)"]
    assert "# an edit" not in (package / "vae.py").read_text()
    assert sync.sync(write=True, package=package, notebooks=notebooks) == []
    assert "# an edit\ndef latent_loss(" in (package / "vae.py").read_text()
    assert sync.sync(write=False, package=package, notebooks=notebooks) == []


def test_a_name_the_module_head_does_not_import_is_reported(copy, monkeypatch):
    notebooks, package = copy
    monkeypatch.setattr(sync, "ROOT", notebooks.parent)
    vae = package / "vae.py"
    vae.write_text(vae.read_text().replace("import tensorflow as tf\n", ""))
    problems = sync.sync(write=False, package=package, notebooks=notebooks)
    assert any("helpers/vae.py uses tf without importing" in problem for problem in problems)


def test_unbound_names_sees_functions_classes_and_decorators():
    source = ("import keras\n\n@keras.saving.register_keras_serializable()\n"
              "class A(Base):\n    def f(self):\n        return ops.sum(np.ones(3)) + len([])\n\n"
              "@add_to_class(A)\ndef g(self):\n    return super().f()\n")
    assert sync.unbound_names(source) == ["Base", "add_to_class", "np", "ops"]


def test_a_save_mark_that_is_not_the_first_line_is_an_error(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n#@save\ndef f(): pass")])
    path = tmp_path / "99_example.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(sync.SyncError, match="first line"):
        sync.saved_cells(path)


def test_a_notebook_with_saved_cells_but_no_module_is_reported(copy, monkeypatch):
    notebooks, package = copy
    monkeypatch.setattr(sync, "ROOT", notebooks.parent)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("#@save\ndef f():\n    pass")])
    nbformat.write(nb, notebooks / "99_new_lesson.ipynb")
    problems = sync.sync(write=False, package=package, notebooks=notebooks)
    assert problems == ["99_new_lesson.ipynb has #@save cells but no module in MODULES"]


# --- the import drawing ---------------------------------------------------------------

# A module may import from its own layer and the layers below it, never above.
LAYERS = {"support": 0, "evaluation": 1, "lessons": 2, "widgets": 3, "exercises": 3}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "lessons"


def _imports() -> dict[str, set[str]]:
    """helpers module -> the helpers modules it imports."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module] = {name for name in found if name.split(".")[0] == "helpers"}
    return graph


def test_no_module_below_the_package_imports_upward_or_the_package_itself():
    upward = []
    for module, imported in _imports().items():
        if module == "helpers":
            continue
        for name in imported:
            if name == "helpers" or LAYERS.get(_layer(name), 2) > LAYERS.get(_layer(module), 2):
                upward.append(f"{module} imports {name}")
    assert upward == []


def test_the_imports_have_no_cycle():
    graph = _imports()
    done, active = set(), []

    def visit(module):
        if module in active:
            raise AssertionError(" -> ".join(active[active.index(module):] + [module]))
        if module in done or module not in graph:
            return
        active.append(module)
        for name in graph[module]:
            if name != module and not (module == "helpers"):
                visit(name)
        active.pop()
        done.add(module)

    for module in graph:
        visit(module)
