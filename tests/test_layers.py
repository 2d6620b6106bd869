"""The package's layers, enforced: each part imports only the parts below it.

Read top to bottom, a layer may import from its own row and the rows above it, never
from a row below. Content and search know nothing of the web framework, so they can be
used (and tested) without FastAPI or Starlette.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kb

KB_DIR = Path(kb.__file__).parent

LAYERS: list[set[str]] = [
    {"kb", "kb.lru", "kb.settings"},
    {"kb.content"},
    {"kb.search"},
    {"kb.sandbox"},
    {"kb.consoles"},
    {"kb.middleware"},
    {"kb.knowledge"},
    {"kb.web", "kb.contribute", "kb.dev"},
    {"kb.app", "kb.cli", "kb.__main__"},
]
FRAMEWORK_FREE = ("kb.content", "kb.search")
FRAMEWORKS = ("fastapi", "starlette")


def module_name(path: Path) -> str:
    parts = path.relative_to(KB_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The layer entry a module belongs to: its subpackage, or itself on top."""
    pieces = module.split(".")
    return ".".join(pieces[:2]) if len(pieces) > 1 else module


def layer_of(module: str) -> int:
    part = part_of(module)
    for index, parts in enumerate(LAYERS):
        if part in parts:
            return index
    raise AssertionError(f"{module} is in no layer: add {part} to LAYERS in {__file__}")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (imports inside functions count)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "kb":  # `from kb import x` imports the module kb.x, if there is one
                found.extend(
                    (node.lineno, f"kb.{alias.name}")
                    for alias in node.names
                    if (KB_DIR / alias.name).is_dir() or (KB_DIR / f"{alias.name}.py").is_file()
                )
    return found


MODULES = sorted(KB_DIR.rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_only_from_its_own_layer_or_lower(path: Path) -> None:
    me = module_name(path)
    wrong = [
        f"{path.relative_to(KB_DIR.parent)}:{line}: {me} imports {target}"
        for line, target in imports_of(path)
        if target.split(".")[0] == "kb" and target != "kb" and layer_of(target) > layer_of(me)
    ]
    assert not wrong, "a lower layer imports a higher one:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if module_name(p).startswith(FRAMEWORK_FREE)],
    ids=lambda p: module_name(p),
)
def test_content_and_search_never_import_the_web_framework(path: Path) -> None:
    wrong = [
        f"{path.relative_to(KB_DIR.parent)}:{line}: imports {target}"
        for line, target in imports_of(path)
        if target.split(".")[0] in FRAMEWORKS
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rules_catch_an_upward_import(tmp_path: Path) -> None:
    """The check itself can fail: content importing the web part is caught."""
    source = tmp_path / "bad.py"
    source.write_text("def f():\n    from kb.web import pages\n    import fastapi\n")
    targets = [target for _, target in imports_of(source)]
    assert set(targets) == {"kb.web", "fastapi"}
    assert layer_of("kb.web") > layer_of("kb.content.render")


MAX_LINES = 450  # past this a module is doing more than one thing: split it


@pytest.mark.parametrize(
    "path", [p for p in MODULES if p.name != "__init__.py"], ids=lambda p: module_name(p)
)
def test_every_module_has_its_mirrored_test_module_and_stays_small(path: Path) -> None:
    relative = path.relative_to(KB_DIR)
    test = KB_DIR.parent / "tests" / relative.parent / f"test_{relative.name}"
    assert test.is_file(), f"{module_name(path)} has no test module at {test}"
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module_name(path)} has {lines} lines (at most {MAX_LINES})"
