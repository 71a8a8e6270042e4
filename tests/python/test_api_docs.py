"""The Python API documents itself: every public function, class and method has a docstring and
type hints on its parameters; the `_core` stub lists exactly what the extension exports."""
import ast
import inspect
import pathlib

import pytest

import meterdsp
from meterdsp import _core, accuracy, calibration, fleet, plot, recordings, tables

MODULES = [meterdsp, plot, recordings, tables, fleet, accuracy, calibration]


def _public(module):
    names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
    for name in names:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield f"{module.__name__}.{name}", obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and (inspect.isfunction(member)
                                                     or isinstance(member, property)):
                        yield f"{module.__name__}.{name}.{attr}", member


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_public_api_has_docstrings(module):
    missing = [name for name, obj in _public(module) if not inspect.getdoc(obj)]
    assert not missing, f"no docstring: {missing}"


@pytest.mark.parametrize("module", [plot, recordings, fleet, calibration], ids=lambda m: m.__name__)
def test_functions_have_type_hints(module):
    bare = []
    for name, obj in _public(module):
        if inspect.isfunction(obj):
            for p in inspect.signature(obj).parameters.values():
                if p.name not in ("self",) and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) \
                        and p.annotation is p.empty and p.default is p.empty:
                    bare.append(f"{name}({p.name})")
    assert not bare, f"positional parameters without a type hint: {bare}"


def test_core_stub_matches_extension():
    stub = pathlib.Path(_core.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert top == {n for n in dir(_core) if not n.startswith("__")} - {"FLAGS"}
    meter = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Meter")
    methods = {n.name for n in meter.body if isinstance(n, ast.FunctionDef)} - {"__init__"}
    assert methods == {n for n in dir(_core.Meter) if not n.startswith("_")}
