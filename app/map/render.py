"""Render the planners' pages from the Jinja templates in ``app/templates/map``.

Every template gets the page context and the same helpers: ``t`` (the translation table),
``link`` (keeps the language in links), ``num`` and ``day`` (numbers and dates the language's way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import jinja2

from app.map import assets
from app.map.i18n import DEFAULT_LANG, Lang, format_date, format_number, translator
from app.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "app" / "templates"


@dataclass(frozen=True)
class PageContext:
    """What every page template receives besides its own data: language, page name, path.

    ``user`` names the person signed in (the header shows it with a sign-out button, whose
    form carries the session's ``csrf_token``) and ``role`` is that person's role; all three
    are None for anonymous readers.
    """

    lang: Lang
    page: str
    path: str
    user: str | None = None
    csrf_token: str | None = None
    role: str | None = None


def link_for(lang: Lang) -> Callable[[str], str]:
    """Return ``link(path)``, which keeps the page language in links between the pages."""

    def link(path: str) -> str:
        if lang == DEFAULT_LANG:
            return path
        return f"{path}{'&' if '?' in path else '?'}lang={lang}"

    return link


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the Jinja environment of the page templates (built on first use)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_page(template: str, context: PageContext, **data: Any) -> str:
    """Render ``map/<template>`` with the translator, formatters, page context and its data."""
    lang = context.lang

    def num(value: float | None, digits: int = 1) -> str:
        return format_number(value, lang, digits)

    def day(value: date | None) -> str:
        return format_date(value, lang)

    helpers = {"t": translator(lang), "link": link_for(lang), "num": num, "day": day}
    template_ = environment().get_template(f"map/{template}")
    return template_.render(
        **helpers,
        lang=lang,
        page=context.page,
        path=context.path,
        user=context.user,
        csrf_token=context.csrf_token,
        role=context.role,
        assets=assets,
        **data,
    )
