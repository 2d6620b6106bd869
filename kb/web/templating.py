"""The one Jinja environment, built once, with autoescaping everywhere."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from kb import __version__
from kb.web import requestcode
from kb.web.assets import Assets, stylesheet_url


def build_templates(
    templates_dir: Path,
    dev: bool = False,
    assets: Assets | None = None,
    cache_dir: Path | None = None,
) -> Jinja2Templates:
    """``dev`` makes pages load ``static/dev-reload.js`` (development mode only);
    ``assets`` gives templates ``asset("site.css")``, the file's content-hashed URL;
    ``cache_dir`` keeps compiled templates for the next start."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template's file on every render costs a stat() per template;
        # only development edits templates under a running server.
        auto_reload=dev,
        # Compiling the templates is most of the first page's time after a restart. The
        # cache is keyed by each template's source, so an edited template is recompiled.
        bytecode_cache=FileSystemBytecodeCache(str(_ready(cache_dir / "templates")))
        if cache_dir
        else None,
    )
    env.globals["version"] = __version__
    env.globals["dev_reload"] = dev
    # In development a file changes under the same name: plain names, revalidated by ETag,
    # so that a saved stylesheet shows on the next refresh without a restart.
    env.globals["asset"] = assets.url if assets and not dev else (lambda name: f"/static/{name}")
    env.globals["highlight_css"] = stylesheet_url()
    env.globals["code_of_block"] = requestcode.from_block
    return Jinja2Templates(env=env)


def _ready(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory
