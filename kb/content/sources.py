"""Example apps on disk: which ones exist and where their code is.

An example is ``examples/<name>.py`` or a package ``examples/<name>/``. Knowing where
an example lives needs no import of it, so the content side can list and link examples
without loading FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.content.tryblocks import file_name_problem

# The package name examples are imported under, so that a custom ``--examples`` folder
# needs no ``__init__.py`` and relative imports inside an example package work.
PACKAGE = "kb_examples"


@dataclass(frozen=True)
class ExampleSource:
    name: str
    path: Path  # the module file, or the package's __init__.py

    @property
    def files_dir(self) -> Path:
        """Where a try block's ``file,NAME;`` parts are read from: the package's folder,
        or ``examples/`` for a module."""
        return self.path.parent

    def run_alone(self) -> str:
        """The command that serves this example on its own, as its code is written."""
        if "create_app" in self.path.read_text("utf-8", errors="replace"):
            return f"uvicorn --factory examples.{self.name}:create_app --reload"
        return f"uvicorn examples.{self.name}:app --reload"


def find(examples_dir: Path, name: str) -> ExampleSource | None:
    module = examples_dir / f"{name}.py"
    package = examples_dir / name / "__init__.py"
    if module.is_file():
        return ExampleSource(name, module)
    if package.is_file():
        return ExampleSource(name, package)
    return None


def example_file(files_dir: Path, name: str) -> Path:
    """The file ``name`` in ``files_dir``; ``ValueError`` says why when it is not there or
    would be outside (``..``, an absolute path, a link that leads out)."""
    problem = file_name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    root = files_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{name!r} leads outside the example's folder")
    if not path.is_file():
        raise ValueError(f"there is no file {name!r} beside the example")
    return path


def available(examples_dir: Path) -> list[str]:
    """Names of the example apps in ``examples_dir``."""
    names = []
    for path in sorted(examples_dir.iterdir()) if examples_dir.is_dir() else []:
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py" and path.is_file() and not path.name.startswith("test_"):
            names.append(path.stem)
        elif (path / "__init__.py").is_file():
            names.append(path.name)
    return names
