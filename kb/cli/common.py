"""What every ``kb`` command shares: its one-line errors, its settings, the folders it reads."""

from __future__ import annotations

import argparse
import os
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kb.content.catalogue import entry_paths
from kb.settings import Settings

ENV_PREFIX = "KB_"
# Settings a command-line option can set, and the option's name.
OPTIONS = {
    "content_dir": "--content",
    "examples_dir": "--examples",
    "host": "--host",
    "port": "--port",
}


class CliError(Exception):
    """A mistake in what the command was given, or in its surroundings: shown as one line,
    ``kb <command>: <message>``, never as a traceback. ``status`` is the exit status."""

    status = 1


class UsageError(CliError):
    """The command was given something that cannot be: exit status 2, as argparse's."""

    status = 2


def load_settings(args: argparse.Namespace) -> Settings:
    """The settings from the environment and the command's options, or a :class:`UsageError`
    that names the variable (or option), its value and what it should be."""
    overrides: dict[str, Any] = {}
    if getattr(args, "content", None):
        overrides["content_dir"] = Path(args.content).resolve()
    if getattr(args, "examples", None):
        overrides["examples_dir"] = Path(args.examples).resolve()
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None) is not None:
        overrides["port"] = args.port
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise UsageError(_invalid(exc, overrides)) from None
    except ValueError as exc:
        # pydantic-settings could not even decode the value (JSON of a list setting): its
        # SettingsError, a ValueError (importable from pydantic_settings only since 2.4).
        name = next((n for n in Settings.model_fields if f'"{n}"' in str(exc)), "")
        raise UsageError(_described(name, env_value(name), "")) from None


def _invalid(exc: ValidationError, overrides: dict[str, Any]) -> str:
    messages = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        reason = error["msg"][:1].lower() + error["msg"][1:]
        if name in overrides:
            messages.append(f"{OPTIONS[name]} {overrides[name]}: {reason}")
        else:
            messages.append(_described(name, env_value(name), reason))
    return "; ".join(messages)


def _described(name: str, value: str | None, reason: str) -> str:
    variable = f"{ENV_PREFIX}{name.upper()}"
    field = Settings.model_fields.get(name)
    expected = _expected(field.annotation) if field else "another value"
    shown = "(unset)" if value is None else repr(value)
    return f"{variable}={shown} is not valid: expected {expected}" + (
        f" ({reason})" if reason else ""
    )


def env_value(name: str) -> str | None:
    """The variable's value as set; settings read the environment ignoring case."""
    wanted = f"{ENV_PREFIX}{name}".lower()
    return next((value for key, value in os.environ.items() if key.lower() == wanted), None)


_EXPECTED: dict[Any, str] = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "text",
    Path: "a path",
}


def _expected(annotation: Any) -> str:
    if annotation in _EXPECTED:
        return _EXPECTED[annotation]
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) and len(arguments) == 1:
        return f"{_expected(arguments[0])} or nothing"
    if typing.get_origin(annotation) is list:
        return 'a JSON list such as ["a", "b"]'
    return getattr(annotation, "__name__", str(annotation))


def require_folders(settings: Settings, *, entries: bool = True) -> None:
    """Refuse a content or examples folder that is not there, or (with ``entries``) a
    content folder without a single entry: nothing would be served or checked."""
    for folder, option in ((settings.content_dir, "content"), (settings.examples_dir, "examples")):
        variable = f"{ENV_PREFIX}{option.upper()}_DIR"
        if not folder.exists():
            raise UsageError(
                f"the {option} folder {shown(folder)} does not exist "
                f"(set it with --{option} or {variable})"
            )
        if not folder.is_dir():
            raise UsageError(f"the {option} folder {shown(folder)} is not a folder")
    if entries and not entry_paths(settings.content_dir):
        raise CliError(
            f"the content folder {shown(settings.content_dir)} has no entries (content/<slug>.md); "
            "`kb new` writes one"
        )


def names(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def shown(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    cwd = Path.cwd()
    return (
        str(path.relative_to(cwd)) if path.is_absolute() and path.is_relative_to(cwd) else str(path)
    )
