"""``{{name}}`` in try blocks: the values earlier blocks captured, put in later ones."""

from __future__ import annotations

import re

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


class UnknownVariable(LookupError):
    """A ``{{name}}`` with no value."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    @property
    def uncaptured(self) -> str:
        """What ``kb check`` says of a block that uses it."""
        return f"uses {{{{{self.name}}}}}, which no earlier block captures"


def substitute(text: str, variables: dict[str, str]) -> str:
    """Replace ``{{name}}``; raise :class:`UnknownVariable` for the first unknown one."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UnknownVariable(name)
        return variables[name]

    return VARIABLE.sub(replace, text)


def names(text: str) -> list[str]:
    """The names ``text`` uses as ``{{name}}``, in order of first use."""
    return list(dict.fromkeys(VARIABLE.findall(text)))
