"""Knowledge base files: JSON and a folder of Markdown files with YAML front matter. Pure: no database."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.errors import ValidationFailed
from kb.store import check_fields, check_groups

# Keys an export writes for information only; an import accepts and ignores them.
INFO_KEYS = {"author", "version", "created_at", "updated_at"}
ARTICLE_KEYS = {"id", "title", "body", "body_format", "tags", "service", "status"}
FRONT_KEYS = ARTICLE_KEYS - {"body"}
SYNONYMS_FILE = "synonyms.json"


class ImportRefused(ValidationFailed):
    """A file or request body that cannot be imported; `message` says where (file, line or item) and why."""

    code = "import_refused"


@dataclass
class ArticleData:
    """One article to import: checked field values, the id it claims (if any) and where it came from."""

    values: dict[str, Any]
    where: str
    id: int | None = None
    key: str = "file"  # how an API error names it, e.g. "articles[3]"


@dataclass
class Bundle:
    articles: list[ArticleData] = field(default_factory=list)
    synonyms: list[list[str]] | None = None  # None: the source says nothing about synonyms


def refuse(where: str, reason: str, key: str) -> ImportRefused:
    """The refusal of one file or item: the message says where and why, `fields` names it for the API."""
    return ImportRefused(f"{where}: {reason}", fields={key: reason})


def _article(raw: Any, *, where: str, key: str, default_format: str) -> ArticleData:
    if not isinstance(raw, dict):
        raise refuse(where, "статья должна быть объектом", key)
    extra = set(raw) - ARTICLE_KEYS - INFO_KEYS
    if extra:
        raise refuse(where, "неизвестные поля: " + ", ".join(sorted(extra)), key)
    aid = raw.get("id")
    if aid is not None and (not isinstance(aid, int) or isinstance(aid, bool) or aid < 1):
        raise refuse(where, "поле id: положительное целое число", f"{key}.id")
    values = {k: v for k, v in raw.items() if k in ARTICLE_KEYS - {"id"}}
    values.setdefault("status", "published")
    values.setdefault("body_format", default_format)
    values.setdefault("tags", [])
    try:
        checked = check_fields(values)
    except ValidationFailed as exc:
        name, reason = next(iter(exc.fields.items()))
        raise refuse(where, f"поле {name}: {reason}", f"{key}.{name}") from exc
    return ArticleData(values=checked, where=where, id=aid, key=key)


def _no_duplicates(articles: list[ArticleData]) -> None:
    seen_ids: dict[int, str] = {}
    seen_titles: dict[str, str] = {}
    for a in articles:
        if a.id is not None:
            if a.id in seen_ids:
                raise refuse(a.where, f"id {a.id} уже встречался ({seen_ids[a.id]})", f"{a.key}.id")
            seen_ids[a.id] = a.where
        t = a.values["title"].casefold()
        if t in seen_titles:
            raise refuse(a.where, f"заголовок уже встречался ({seen_titles[t]})", f"{a.key}.title")
        seen_titles[t] = a.where


def bundle_from_obj(data: Any, *, source: str) -> Bundle:
    """Checks a decoded JSON document: {"articles": [...], "synonyms": [[...]]} or a bare list of articles."""
    if isinstance(data, list):
        data = {"articles": data}
    if not isinstance(data, dict) or not isinstance(data.get("articles", []), list):
        raise refuse(source, "ожидается объект {\"articles\": [...], \"synonyms\": [[...]]}", "articles")
    extra = set(data) - {"articles", "synonyms"}
    if extra:
        raise refuse(source, "неизвестные ключи: " + ", ".join(sorted(extra)), "body")
    arts = [_article(raw, where=f"{source}: articles[{i}]", key=f"articles[{i}]", default_format="html")
            for i, raw in enumerate(data.get("articles", []))]
    _no_duplicates(arts)
    synonyms = None
    if "synonyms" in data:
        try:
            synonyms = check_groups(data["synonyms"])
        except ValidationFailed as exc:
            raise refuse(f"{source}: synonyms", exc.message, "synonyms") from exc
    return Bundle(articles=arts, synonyms=synonyms)


def _load_json(text: str, *, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(f"{source}: строка {exc.lineno}", f"ошибка JSON: {exc.msg} (столбец {exc.colno})",
                      "file") from exc


def parse_json(text: str, *, source: str = "articles.json") -> Bundle:
    """Parses and checks a JSON export; raises ImportRefused naming the line or the article."""
    return bundle_from_obj(_load_json(text, source=source), source=source)


def _key_line(front: list[str], key: str) -> int:
    for i, line in enumerate(front):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return i + 2  # +1 for 1-based, +1 for the opening '---'
    return 1


def parse_markdown_file(text: str, *, source: str) -> ArticleData:
    """One Markdown file: '---', YAML front matter, '---', body."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise refuse(f"{source}: строка 1", "файл должен начинаться со строки --- (front matter)", "file")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise refuse(f"{source}: строка 1", "front matter не закрыт строкой ---", "file")
    front = lines[1:end]
    try:
        meta = yaml.safe_load("\n".join(front)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise refuse(f"{source}: строка {line}", f"ошибка YAML: {getattr(exc, 'problem', None) or exc}",
                      "file") from exc
    if not isinstance(meta, dict):
        raise refuse(f"{source}: строка 2", "front matter должен быть набором «ключ: значение»", "file")
    for k in meta:
        if k not in FRONT_KEYS | INFO_KEYS:
            raise refuse(f"{source}: строка {_key_line(front, str(k))}", f"неизвестное поле {k}", "file")
    raw = {**meta, "body": "\n".join(lines[end + 1:]).strip("\n")}
    try:
        return _article(raw, where=source, key="file", default_format="markdown")
    except ImportRefused as exc:
        name = next(iter(exc.fields)).split(".")[-1]
        line = _key_line(front, name) if name in FRONT_KEYS else end + 2
        reason = exc.fields[next(iter(exc.fields))]
        raise refuse(f"{source}: строка {line}", reason, "file") from exc


def parse_markdown_files(files: Mapping[str, str]) -> Bundle:
    """A folder given as relative name -> text: every top-level *.md (sorted by name) and synonyms.json, if any."""
    # Only the top level counts, as a folder import reads only the folder itself, not its subfolders.
    names = sorted(n for n in files if "/" not in n and n.endswith(".md"))
    arts = [parse_markdown_file(files[n], source=n) for n in names]
    _no_duplicates(arts)
    synonyms = None
    if SYNONYMS_FILE in files:
        data = _load_json(files[SYNONYMS_FILE], source=SYNONYMS_FILE)
        try:
            synonyms = check_groups(data)
        except ValidationFailed as exc:
            raise refuse(SYNONYMS_FILE, exc.message, "synonyms") from exc
    return Bundle(articles=arts, synonyms=synonyms)


def parse_markdown_dir(path: Path) -> Bundle:
    """Every *.md file of the folder (sorted by name) and its synonyms.json, if any."""
    files = {p.name: p.read_text(encoding="utf-8") for p in path.glob("*.md")}
    syn = path / SYNONYMS_FILE
    if syn.exists():
        files[SYNONYMS_FILE] = syn.read_text(encoding="utf-8")
    return parse_markdown_files(files)


def read_path(path: Path) -> Bundle:
    """A file is JSON, a folder is Markdown files."""
    if path.is_dir():
        return parse_markdown_dir(path)
    if not path.exists():
        raise refuse(str(path), "нет такого файла или папки", "file")
    return parse_json(path.read_text(encoding="utf-8"), source=path.name)


def dump_json(articles: list[dict[str, Any]], synonyms: list[list[str]]) -> str:
    """The JSON export text."""
    return json.dumps({"articles": articles, "synonyms": synonyms}, ensure_ascii=False, indent=1) + "\n"


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60] or "article"


def markdown_text(article: dict[str, Any]) -> str:
    """One article as a Markdown file with front matter."""
    meta = {k: article[k] for k in ("id", "title", "tags", "service", "status", "body_format") if k in article}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n{article['body']}\n"


def markdown_files(articles: list[dict[str, Any]], synonyms: list[list[str]]) -> dict[str, str]:
    """The Markdown export as relative name -> text: one file per article and synonyms.json."""
    files = {f"{a['id']:04d}-{_slug(a['title'])}.md": markdown_text(a) for a in articles}
    files[SYNONYMS_FILE] = json.dumps(synonyms, ensure_ascii=False, indent=1) + "\n"
    return files


def write_markdown_dir(path: Path, articles: list[dict[str, Any]], synonyms: list[list[str]]) -> list[Path]:
    """Writes one file per article and synonyms.json into an empty or new folder."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise refuse(str(path), "папка для экспорта должна быть пустой или не существовать", "path")
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in markdown_files(articles, synonyms).items():
        (path / name).write_text(text, encoding="utf-8")
        if name != SYNONYMS_FILE:
            written.append(path / name)
    return written
