"""Raw request bodies a route reads itself (the KB import): capped reading, strict UTF-8 and JSON, storable text.

Each refusal is a 422 naming the field (`body`, `articles[3].title`, …), raised before anything is written.
"""

from __future__ import annotations

import json
import tempfile
from typing import IO, Any

from fastapi import Request

from admin_api.fields import INT32_MAX
from admin_api.guard import BodyTooLarge
from core.text import json_problem
from kb.io import Bundle, refuse


async def spool_capped(request: Request, limit: int, *, in_memory: int = 8 * 1024 * 1024) -> IO[bytes]:
    """The body in a temporary file (in memory up to `in_memory` bytes, on disk past it), 413 past `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    out = tempfile.SpooledTemporaryFile(max_size=in_memory)
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            out.write(chunk)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def load_json(data: bytes, *, source: str) -> Any:
    """Strictly decoded JSON: invalid UTF-8, a syntax error or nesting past any sane depth is refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise refuse(f"{source}: строка {line}", f"не UTF-8: байт 0x{data[exc.start]:02x} в позиции {exc.start}",
                     "body") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(f"{source}: строка {exc.lineno}", f"ошибка JSON: {exc.msg} (столбец {exc.colno})",
                     "body") from exc
    except RecursionError as exc:
        raise refuse(source, "вложенность JSON слишком глубокая", "body") from exc
    problem = json_problem(doc)
    if problem:
        where, reason = problem
        raise refuse(f"{source}: {where}", reason, where)
    return doc


def check_bundle(bundle: Bundle) -> None:
    """Every text of a parsed bundle storable and every claimed id within its column (zip imports too)."""
    for a in bundle.articles:
        if a.id is not None and a.id > INT32_MAX:
            raise refuse(a.where, f"поле id: не больше {INT32_MAX}", f"{a.key}.id")
        problem = json_problem(a.values, path=a.key)
        if problem:
            where, reason = problem
            raise refuse(a.where, f"{where}: {reason}", where)
    if bundle.synonyms is not None:
        problem = json_problem(bundle.synonyms, path="synonyms")
        if problem:
            raise refuse("synonyms", problem[1], problem[0])
