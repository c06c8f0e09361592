"""The Markdown folder of kb.io packed as a zip archive (for the API). Pure: no database, no disk."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO

from kb.io import Bundle, parse_markdown_files, refuse

# Bounds what an upload may expand to in memory by default (KB_IMPORT_UNPACKED_MB sets the API's): the Markdown
# export of 10,000 articles of a few kilobytes each unpacks to about 40 MB.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
ARCHIVE = "архив"
_CHUNK = 64 * 1024


def zip_files(files: Mapping[str, str]) -> bytes:
    """Packs relative name -> text into a deflated zip archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def _safe_name(name: str) -> str:
    """The entry's relative path; refuses absolute paths, drive letters, backslashes and `..`."""
    parts = name.split("/")
    if (name.startswith("/") or "\\" in name or (len(name) > 1 and name[1] == ":")
            or any(p == ".." for p in parts)):
        raise refuse(f"{ARCHIVE}: {name}", "недопустимый путь в архиве (абсолютный или с ..)", "file")
    return posixpath.normpath(name)


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limit: int) -> bytes:
    # The header's file_size can lie, so the bytes actually inflated are what is counted.
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(min(_CHUNK, budget - len(out) + 1)):
            out += chunk
            if len(out) > budget:
                raise refuse(f"{ARCHIVE}: {info.filename}", "архив после распаковки больше "
                             f"{limit / (1024 * 1024):g} МБ (KB_IMPORT_UNPACKED_MB)", "file")
    return bytes(out)


def _strip_wrapper(files: dict[str, str]) -> dict[str, str]:
    # An archive made by zipping the folder itself holds everything under one top-level folder.
    tops = {n.split("/", 1)[0] for n in files}
    if len(tops) == 1 and all("/" in n for n in files):
        return {n.split("/", 1)[1]: t for n, t in files.items()}
    return files


def files_from_zip(data: bytes | IO[bytes], *, limit: int = MAX_UNPACKED_BYTES) -> dict[str, str]:
    """Unpacks a zip archive (bytes or a seekable file) into relative name -> text, within `limit` bytes in all."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise refuse(ARCHIVE, "это не zip-архив или он повреждён", "file") from exc
    files: dict[str, str] = {}
    used = 0
    with zf:
        for info in zf.infolist():
            name = _safe_name(info.filename)
            if info.is_dir():
                continue
            if name in files:
                raise refuse(f"{ARCHIVE}: {name}", "файл встречается в архиве дважды", "file")
            try:
                raw = _read_limited(zf, info, limit - used, limit)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error) as exc:
                raise refuse(f"{ARCHIVE}: {name}", f"файл не распаковывается ({exc})", "file") from exc
            used += len(raw)
            try:
                files[name] = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise refuse(f"{ARCHIVE}: {name}", "файл не в кодировке UTF-8", "file") from exc
    return _strip_wrapper(files)


def parse_zip(data: bytes | IO[bytes], *, limit: int = MAX_UNPACKED_BYTES) -> Bundle:
    """Parses and checks a zip of the Markdown export folder; a bad entry is refused naming it, its line and why."""
    files = files_from_zip(data, limit=limit)
    bundle = parse_markdown_files(files)
    if not bundle.articles and bundle.synonyms is None:
        raise refuse(ARCHIVE, "нет ни одного файла .md и нет synonyms.json в корне архива", "file")
    return bundle
