"""The API's JSON parser: what the database or Python cannot take is a 400, not a 500.

Python's ``json`` parses text that PostgreSQL refuses to store (a NUL character, a
lone UTF-16 surrogate such as ``"\\ud800"``, ``1e999`` read as infinity) and hits
``RecursionError`` on arrays nested thousands deep. This parser refuses them up front,
naming the problem and where it is in the body (``activities[3].metadata.note``).
"""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

DEFAULT_MAX_DEPTH = 64

# A NUL character or a UTF-16 surrogate on its own (text no UTF-8 database can store).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL character, a lone surrogate), or None."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("contains a NUL character (\\u0000)")
    return _("contains a lone UTF-16 surrogate (\\u%(code)04x)") % {"code": ord(found.group())}


def max_depth() -> int:
    return getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def _where(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or _("the body")


def json_problem(data) -> tuple[list, str] | None:
    """The first (path, problem) that makes parsed JSON unstorable or too deep, or None.

    Walks the value iteratively, so a deep value cannot exhaust Python's stack here.
    """
    limit = max_depth()
    stack: list[tuple[object, list, int]] = [(data, [], 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return path, _("is nested deeper than %(max)s levels") % {"max": limit}
            if isinstance(value, dict):
                for key, item in value.items():
                    problem = unstorable_problem(key)
                    if problem:
                        return path, _("has a key that %(problem)s") % {"problem": problem}
                    stack.append((item, [*path, key], depth + 1))
            else:
                stack.extend((item, [*path, index], depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            problem = unstorable_problem(value)
            if problem:
                return path, problem
        elif isinstance(value, float) and not math.isfinite(value):
            # 1e999 parses as infinity, which JSON columns cannot store.
            return path, _("is a number too large to store")
    return None


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing NUL characters, lone surrogates and deep nesting."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(
                _("JSON parse error - nested deeper than %(max)s levels.") % {"max": max_depth()}
            ) from exc
        problem = json_problem(data)
        if problem:
            path, what = problem
            message = _("JSON value at %(where)s %(what)s.") % {"where": _where(path), "what": what}
            detail = {"detail": message}
            if path and isinstance(path[0], str):
                detail[path[0]] = [message]  # the field at fault, as other 400s name it
            raise ParseError(detail)
        return data
