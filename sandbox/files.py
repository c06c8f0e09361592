"""Files the bot or a person sends: stored on disk under their unique id, described as the Bot API does."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from typing import TYPE_CHECKING, Any

from sandbox.rules import Refusal

if TYPE_CHECKING:
    from sandbox.world import World

WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
MEDIA = ("photo", "document", "voice", "audio")  # what a message's file may be (it then has a caption, not a text)
TDLIB = {"photo": "Photo", "document": "Document", "voice": "VoiceNote", "audio": "Audio"}  # in Telegram's refusals
FOLDERS = {"photo": "photos", "voice": "voice", "audio": "music"}  # getFile's paths, as Telegram names them
GETFILE_LIMIT = 20 * 1024 * 1024  # getFile serves files up to 20 MB


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG; None for anything else (Telegram refuses it as a photo)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return int(w), int(h)
            i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None


def store_file(world: World, data: bytes, *, name: str, mime: str | None, kind: str) -> dict[str, Any]:
    """Keeps the bytes and returns the file's record (file_id, unique id, path for getFile)."""
    unique = secrets.token_hex(8)
    file_id = f"SB{kind[:3].upper()}{unique}{secrets.token_hex(4)}"
    ext = (name.rpartition(".")[2] if "." in name else "bin")[:8]
    world.files_dir.mkdir(parents=True, exist_ok=True)
    (world.files_dir / unique).write_bytes(data)
    doc = {"file_id": file_id, "file_unique_id": unique, "file_size": len(data), "name": name,
           "mime": mime or mimetypes.guess_type(name)[0] or "application/octet-stream",
           "file_path": f"{FOLDERS.get(kind, 'documents')}/file_{unique}.{ext}", "kind": kind}
    size = image_size(data)
    if size is not None:
        doc["width"], doc["height"] = size
    world.store.put("file", file_id, doc)
    return doc


def media_of(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The message content for a stored file: a photo (one size), a voice note, an audio file or a document."""
    if kind == "photo":
        return {"photo": [{"file_id": doc["file_id"], "file_unique_id": doc["file_unique_id"],
                           "width": doc.get("width", 0), "height": doc.get("height", 0),
                           "file_size": doc["file_size"]}]}
    if kind in ("voice", "audio"):
        media = {"file_id": doc["file_id"], "file_unique_id": doc["file_unique_id"],
                 "duration": int(doc.get("duration") or 0), "mime_type": doc["mime"], "file_size": doc["file_size"]}
        if kind == "audio":
            media["file_name"] = doc["name"]
            media.update({k: doc[k] for k in ("performer", "title") if doc.get(k)})
        return {kind: media}
    return {"document": {"file_id": doc["file_id"], "file_unique_id": doc["file_unique_id"],
                         "file_name": doc["name"], "mime_type": doc["mime"], "file_size": doc["file_size"]}}


async def resolve(world: World, value: Any, uploads: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """A file parameter (an upload by `attach://name`, an upload in the field itself, or a file_id) as a record."""
    if hasattr(value, "read"):
        return await _upload(world, value, kind)
    text = str(value or "")
    if text.startswith("attach://"):
        up = uploads.get(text[len("attach://"):])
        if up is None:
            raise Refusal(400, WRONG_FILE)
        return await _upload(world, up, kind)
    doc = world.store.get("file", text)
    if doc is None:
        raise Refusal(400, WRONG_FILE)
    if kind == "photo" and "width" not in doc:
        raise Refusal(400, "Bad Request: wrong type of the web page content")
    if kind != "photo" and doc.get("kind") == "photo":  # tdlib: a photo only as a photo (the other kinds are files)
        raise Refusal(400, f"Bad Request: can't use file of type Photo as {TDLIB[kind]}")
    return dict(doc)


async def _upload(world: World, up: Any, kind: str) -> dict[str, Any]:
    data = await up.read()
    if not data:
        raise Refusal(400, "Bad Request: file must be non-empty")
    if kind == "photo" and image_size(data) is None:
        raise Refusal(400, "Bad Request: IMAGE_PROCESS_FAILED")
    name = getattr(up, "filename", None) or {"photo": "photo.jpg", "voice": "voice.ogg", "audio": "audio.mp3"}.get(
        kind, "file")
    return store_file(world, data, name=name, mime=getattr(up, "content_type", None), kind=kind)


def get_file(world: World, file_id: Any) -> dict[str, Any]:
    """getFile: the record with its download path; files over 20 MB are refused as Telegram does."""
    doc = world.store.get("file", str(file_id or ""))
    if doc is None:
        raise Refusal(400, "Bad Request: invalid file_id")
    if doc["file_size"] > GETFILE_LIMIT:
        raise Refusal(400, "Bad Request: file is too big")
    return {k: doc[k] for k in ("file_id", "file_unique_id", "file_size", "file_path")}


def path_of(world: World, file_path: str) -> tuple[Any, dict[str, Any]] | None:
    """The disk path and record behind a getFile path (for the download route)."""
    for doc in world.store.all("file"):
        if doc["file_path"] == file_path:
            return world.files_dir / doc["file_unique_id"], doc
    return None
