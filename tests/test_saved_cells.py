"""A definition shown in a notebook cell marked ``#@save`` must be, to the
character, the one in ``helpers``: the notebook teaches it, helpers reuses it.

Functions and classes are compared whole. A class built up over several
cells (its body in one ``#@save`` cell, methods added in later ``#@save``
cells with ``@helpers.add_to_class(Cls)``) is compared method by method, with
its decorators, header and docstring, and the helper class must have no
method that the notebook does not show.
"""
import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections import defaultdict

import nbformat
import pytest

import helpers
from notebook_files import NOTEBOOKS


def _source(lines, node, skip_add_to_class=False):
    decorators = [d for d in node.decorator_list
                  if not (skip_add_to_class and _add_to_class_target(d))]
    start = min([node.lineno] + [d.lineno for d in decorators])
    return textwrap.dedent("\n".join(lines[start - 1:node.end_lineno])).rstrip()


def _add_to_class_target(decorator):
    """``Cls`` for a ``@helpers.add_to_class(Cls)`` decorator, else None."""
    if (isinstance(decorator, ast.Call) and decorator.args
            and ast.unparse(decorator.func).split(".")[-1] == "add_to_class"):
        return ast.unparse(decorator.args[0])
    return None


def _header(lines, node):
    """Decorators and the ``class ...:`` line, dedented."""
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return textwrap.dedent("\n".join(lines[start - 1:node.lineno])).rstrip()


def collect():
    whole, methods, headers = {}, defaultdict(dict), {}
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or "#@save" not in cell.source:
                continue
            lines = cell.source.splitlines()
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.ClassDef):
                    whole[node.name] = (path.stem, _source(lines, node))
                    headers[node.name] = (_header(lines, node), ast.get_docstring(node))
                    for item in node.body:
                        if isinstance(item, ast.FunctionDef):
                            methods[node.name][item.name] = _source(lines, item)
                elif isinstance(node, ast.FunctionDef):
                    owners = [_add_to_class_target(d) for d in node.decorator_list]
                    owner = next((name for name in owners if name), None)
                    if owner is None:
                        whole[node.name] = (path.stem, _source(lines, node))
                    else:
                        methods[owner][node.name] = _source(lines, node, skip_add_to_class=True)
                        whole.setdefault(owner, (path.stem, None))
    return whole, methods, headers


WHOLE, METHODS, HEADERS = collect()


def _built_up(name):
    """True for a class some of whose methods come from add_to_class cells."""
    body = WHOLE[name][1] or ""
    return any(f"def {method}(" not in body for method in METHODS.get(name, {}))


SINGLE = sorted(name for name in WHOLE if not _built_up(name))
BUILT_UP = sorted(name for name in WHOLE if _built_up(name))


def helper_object(name):
    for module_info in pkgutil.iter_modules(helpers.__path__):
        module = importlib.import_module(f"helpers.{module_info.name}")
        value = vars(module).get(name)
        if value is not None and getattr(value, "__module__", "") == module.__name__:
            return value
    raise AssertionError(f"{name} is marked #@save in a notebook but helpers does not define it")


def _helper_methods(cls):
    """The functions defined in the helper class's own body, by name, as source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    lines = textwrap.dedent(inspect.getsource(cls)).splitlines()
    class_node = tree.body[0]
    return ({item.name: _source(lines, item) for item in class_node.body
             if isinstance(item, ast.FunctionDef)},
            (_header(lines, class_node), ast.get_docstring(class_node)))


def test_some_notebook_exports_definitions():
    assert WHOLE, "no #@save cell found in any notebook"


@pytest.mark.parametrize("name", SINGLE)
def test_saved_definition_matches_helpers(name):
    notebook, source = WHOLE[name]
    helper = textwrap.dedent(inspect.getsource(helper_object(name))).rstrip()
    assert source == helper, f"{name} in {notebook} and in helpers have drifted apart"


@pytest.mark.parametrize("name", BUILT_UP)
def test_class_built_over_cells_matches_helpers(name):
    notebook = WHOLE[name][0]
    helper_methods, helper_header = _helper_methods(helper_object(name))
    assert HEADERS.get(name) == helper_header, \
        f"{name}'s decorators, class line or docstring differ between {notebook} and helpers"
    shown = METHODS[name]
    assert set(shown) == set(helper_methods), (
        f"{name}: methods only in helpers {sorted(set(helper_methods) - set(shown))}, "
        f"only in {notebook} {sorted(set(shown) - set(helper_methods))}")
    for method, source in shown.items():
        assert source == helper_methods[method], \
            f"{name}.{method} in {notebook} and in helpers have drifted apart"
