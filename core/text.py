"""Which texts and JSON documents every supported database can store; pure checks shared by the entry points.

PostgreSQL refuses NUL in text (and `\\u0000` in JSON it must read), a lone surrogate cannot be encoded as UTF-8
for either database, JSON has no NaN, and integers past 64 bits fit no column: each is refused at the boundary
with the place it was found, before anything is written.
"""

from __future__ import annotations

import math
import re
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored, or None when it can."""
    if "\x00" in value:
        return "символ NUL (\\x00) недопустим"
    found = _SURROGATE.search(value)
    if found:
        return f"одиночный суррогат U+{ord(found.group()):04X} недопустим (это не текст UTF-8)"
    return None


def printable(value: str) -> str:
    """The text with lone surrogates escaped, so that an error message naming it can itself be encoded."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _child(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def json_problem(doc: object, *, path: str = "", max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """(where, why) of the first value of a decoded JSON document that cannot be stored, or None.

    Iterative, so a document nested deeper than the interpreter's recursion limit is refused, not crashed on."""
    stack: list[tuple[object, str, int]] = [(doc, path, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > max_depth:
            return where or "body", f"вложенность JSON глубже {max_depth} уровней"
        if isinstance(value, str):
            reason = text_problem(value)
            if reason:
                return where or "body", reason
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                return where or "body", "целое число вне 64-битного диапазона"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return where or "body", "NaN и бесконечность недопустимы"
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = text_problem(key) if isinstance(key, str) else None
                if reason:
                    return printable(_child(where, key)), f"имя поля: {reason}"
                stack.append((item, _child(where, key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, _child(where, i), depth + 1) for i, item in enumerate(value))
    return None


def checked_json(doc: Any, *, path: str = "") -> Any:
    """The document itself when every value can be stored; ValueError naming the first one that cannot."""
    problem = json_problem(doc, path=path)
    if problem:
        where, reason = problem
        raise ValueError(f"{where}: {reason}" if where else reason)
    return doc


def search_key(*parts: object) -> str:
    """Every string inside `parts` (lists and dicts too), casefolded and blank-collapsed: the text a portable
    substring search (`LIKE`) looks in. SQLite's LIKE/lower() fold ASCII only, so the folding is done here."""
    words: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            words.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            words.append(str(value))

    for part in parts:
        walk(part)
    return " ".join(" ".join(words).split()).casefold()
