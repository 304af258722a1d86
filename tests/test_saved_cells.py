"""A definition shown in a notebook cell marked ``#@save`` must be, to the
character, the one in ``helpers``: the notebook teaches it, helpers reuses it."""
import ast
import importlib
import inspect
import pkgutil
import textwrap

import nbformat
import pytest

import helpers
from notebook_files import NOTEBOOKS


def saved_definitions():
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "#@save" in cell.source:
                tree = ast.parse(cell.source)
                lines = cell.source.splitlines()
                for node in tree.body:
                    if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                        source = "\n".join(lines[start - 1:node.end_lineno])
                        yield pytest.param(node.name, source, id=f"{path.stem}:{node.name}")


def helper_source(name):
    for module_info in pkgutil.iter_modules(helpers.__path__):
        module = importlib.import_module(f"helpers.{module_info.name}")
        if name in vars(module) and getattr(vars(module)[name], "__module__", "") == module.__name__:
            return textwrap.dedent(inspect.getsource(vars(module)[name])).rstrip()
    return None


def test_some_notebook_exports_definitions():
    assert list(saved_definitions()), "no #@save cell found in any notebook"


@pytest.mark.parametrize("name, source", list(saved_definitions()))
def test_saved_cell_matches_helpers(name, source):
    helper = helper_source(name)
    assert helper is not None, f"{name} is marked #@save but helpers does not define it"
    assert source.rstrip() == helper, f"{name} in the notebook and in helpers have drifted apart"
