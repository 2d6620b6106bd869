"""The one Jinja environment, built once, with autoescaping everywhere."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from kb import __version__
from kb.assets import Assets
from kb.highlight import stylesheet_url


def build_templates(
    templates_dir: Path, dev: bool = False, assets: Assets | None = None
) -> Jinja2Templates:
    """``dev`` makes pages load ``static/dev-reload.js`` (development mode only);
    ``assets`` gives templates ``asset("site.css")``, the file's content-hashed URL."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template's file on every render costs a stat() per template;
        # only development edits templates under a running server.
        auto_reload=dev,
    )
    env.globals["version"] = __version__
    env.globals["dev_reload"] = dev
    # In development a file changes under the same name: plain names, revalidated by ETag,
    # so that a saved stylesheet shows on the next refresh without a restart.
    env.globals["asset"] = assets.url if assets and not dev else (lambda name: f"/static/{name}")
    env.globals["highlight_css"] = stylesheet_url()
    return Jinja2Templates(env=env)
