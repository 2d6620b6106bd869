from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.content import sources


def test_available_lists_modules_and_packages_but_not_tests(tmp_path: Path) -> None:
    (tmp_path / "one.py").write_text("")
    (tmp_path / "_private.py").write_text("")
    (tmp_path / "test_one.py").write_text("")
    (tmp_path / "test_things").mkdir()
    (tmp_path / "test_things" / "__init__.py").write_text("")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "__init__.py").write_text("")
    (tmp_path / "data").mkdir()
    assert sources.available(tmp_path) == ["one", "test_things", "two"]


def test_find_prefers_a_module_and_names_the_package_init(tmp_path: Path) -> None:
    (tmp_path / "single.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    single = sources.find(tmp_path, "single")
    package = sources.find(tmp_path, "pkg")
    assert single is not None and single.path == tmp_path / "single.py"
    assert package is not None and package.path == tmp_path / "pkg" / "__init__.py"
    assert package.run_alone() == "uvicorn examples.pkg:app --reload"


def test_run_alone_follows_how_the_app_is_written(tmp_path: Path) -> None:
    (tmp_path / "factory.py").write_text("def create_app(): ...\n")
    (tmp_path / "plain.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    factory, plain = sources.find(tmp_path, "factory"), sources.find(tmp_path, "plain")
    assert factory is not None and plain is not None
    assert factory.run_alone() == "uvicorn --factory examples.factory:create_app --reload"
    assert plain.run_alone() == "uvicorn examples.plain:app --reload"


def test_find_is_none_for_a_folder_that_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    assert sources.find(tmp_path, "data") is None
    assert sources.find(tmp_path, "missing") is None


def test_files_beside_an_example_are_in_its_package_or_beside_its_module(tmp_path: Path) -> None:
    (tmp_path / "single.py").write_text("")
    (tmp_path / "pkg" / "data").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "data" / "pixel.png").write_bytes(b"\x89PNG")
    single, package = sources.find(tmp_path, "single"), sources.find(tmp_path, "pkg")
    assert single is not None and package is not None
    assert single.files_dir == tmp_path
    assert package.files_dir == tmp_path / "pkg"
    found = sources.example_file(package.files_dir, "data/pixel.png")
    assert found.read_bytes() == b"\x89PNG"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.png", "there is no file 'missing.png' beside the example"),
        ("../single.py", "not above it"),
        ("/etc/passwd", "relative"),
        ("data", "there is no file 'data'"),  # a folder
        ("escape", "leads outside the example's folder"),  # a link that leads out
    ],
)
def test_a_file_that_is_not_beside_the_example_is_refused(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "single.py").write_text("")
    (tmp_path / "pkg" / "data").mkdir(parents=True)
    (tmp_path / "pkg" / "escape").symlink_to(tmp_path / "single.py")
    with pytest.raises(ValueError, match=re.escape(message)):
        sources.example_file(tmp_path / "pkg", name)
