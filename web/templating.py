"""Jinja2 templates for the consoles, autoescaped (citizens' text is shown on every page)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def short_time(value: str | None) -> str:
    """'2026-11-23T10:05:00+08:00' -> '11-23 10:05': consoles are narrow and everything is Beijing time."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(value).strftime("%m-%d %H:%M")
    except ValueError:
        return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = short_time
    return env


def render(name: str, status: int = 200, **context: Any) -> web.Response:
    html = environment().get_template(name).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
