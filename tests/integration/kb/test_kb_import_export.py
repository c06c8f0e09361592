"""Import/export: JSON and Markdown round trips, upsert rules, refusals that write nothing, the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app
from app.root import Root, build_root
from core.settings import Settings
from kb.io import ImportRefused, dump_json, parse_json, parse_markdown_dir, write_markdown_dir
from kb.models import Article
from kb.service import KnowledgeBase
from tests.conftest import ADMIN_TOKEN, _empty

KEEP = ("title", "body", "body_format", "tags", "service", "status")


async def _fill(kb: KnowledgeBase, root: Root) -> None:
    await kb.create_article(uow=root.uow(), title="Не подключается VPN", body="<b>Перезапустите</b> клиент.",
                            tags=["vpn"])
    await kb.create_article(uow=root.uow(), title="Ошибка 500 в NTTM", body="Обновите **страницу**.",
                            body_format="markdown", service="nttm", status="draft", tags=[])
    await kb.create_article(uow=root.uow(), title="Старый регламент: «кавычки», двоеточие: и ---",
                            body="---\nстрока\n---", status="archived", tags=["a: b", "#x"])
    await kb.put_synonyms(uow=root.uow(), groups=[["впн", "vpn"], ["учетка", "учётная запись", "аккаунт"]])


def _plain(export: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(({k: a[k] for k in KEEP} for a in export["articles"]), key=lambda a: a["title"])


async def _count(root: Root) -> int:
    async with root.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Article)) or 0)


async def _wipe_articles(kb: KnowledgeBase, root: Root) -> None:
    for a in (await kb.export_all(uow_factory=root.uow))["articles"]:
        await kb.delete_article(uow=root.uow(), article_id=a["id"])
    await kb.put_synonyms(uow=root.uow(), groups=[["x", "y"]])


@pytest.mark.parametrize("fmt", ["json", "md"])
async def test_round_trip(root: Root, tmp_path: Path, fmt: str) -> None:
    kb: KnowledgeBase = root.kb
    await _fill(kb, root)
    before = await kb.export_all(uow_factory=root.uow)
    if fmt == "json":
        (tmp_path / "kb.json").write_text(dump_json(before["articles"], before["synonyms"]), encoding="utf-8")
    else:
        write_markdown_dir(tmp_path / "md", before["articles"], before["synonyms"])
    await _wipe_articles(kb, root)
    assert not kb.search("не подключается vpn")
    # The old ids belong to deleted articles now, so every article comes back as a new one.
    bundle = (parse_json((tmp_path / "kb.json").read_text(encoding="utf-8")) if fmt == "json"
              else parse_markdown_dir(tmp_path / "md"))
    res = await kb.import_bundle(uow_factory=root.uow, bundle=bundle, author="test")
    assert res == {"created": 3, "updated": 0, "unchanged": 0, "synonym_groups": 2}
    after = await kb.export_all(uow_factory=root.uow)
    assert _plain(after) == _plain(before) and after["synonyms"] == before["synonyms"]
    assert [h.title for h in kb.search("не подключается впн")] == ["Не подключается VPN"]


async def test_import_upserts_by_id_then_by_title(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    await _fill(kb, root)
    data = await kb.export_all(uow_factory=root.uow)
    vpn = next(a for a in data["articles"] if a["title"] == "Не подключается VPN")
    draft = next(a for a in data["articles"] if a["status"] == "draft")
    doc = {"articles": [{**vpn, "title": "VPN не подключается с ноутбука"},       # by id: renamed
                        {"title": draft["title"], "body": "Новый текст.", "service": "nttm", "status": "draft",
                         "body_format": "markdown"},                                # by title: new body
                        {"title": "Новая статья", "body": "Текст."}]}
    res = await kb.import_bundle(uow_factory=root.uow, bundle=parse_json(json.dumps(doc)), author="test")
    assert res == {"created": 1, "updated": 2, "unchanged": 0, "synonym_groups": -1}
    assert await _count(root) == 4
    renamed = await kb.get_article(uow=root.uow(), article_id=vpn["id"])
    assert renamed.title == "VPN не подключается с ноутбука" and renamed.version == 2
    assert [v.changes for v in await kb.article_history(uow=root.uow(), article_id=draft["id"])][-1] == ["body"]
    assert await kb.get_synonyms(uow=root.uow()) == data["synonyms"]  # no "synonyms" key: left alone
    assert [h.title for h in kb.search("vpn не подключается с ноутбука")][:1] == ["VPN не подключается с ноутбука"]


async def test_unknown_service_refuses_the_whole_file(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    text = json.dumps({"articles": [{"title": "Первая", "body": "x"}, {"title": "Вторая", "body": "y"},
                                    {"title": "Третья", "body": "z", "service": "nosuch"}],
                       "synonyms": [["a", "b"]]}, ensure_ascii=False, indent=1)
    with pytest.raises(ImportRefused, match=r"articles\.json: articles\[2\]: нет услуги с кодом «nosuch»"):
        await kb.import_bundle(uow_factory=root.uow, bundle=parse_json(text), author="test")
    assert await _count(root) == 0 and await kb.get_synonyms(uow=root.uow()) != [["a", "b"]]


def test_cli_import_export_and_refusal(settings: Settings, tmp_path: Path) -> None:
    env = {"DATABASE_URL": settings.database_url, "ADMIN_API_TOKEN": ADMIN_TOKEN, "KB_SEED_SAMPLE": "false",
           "BOT_TOKEN": ""}
    runner = CliRunner()
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"articles": [{"title": "Не подключается VPN", "body": "Перезапустите клиент."},
                                            {"title": "Ошибка 500", "body": "Обновите страницу.", "service": "clm"}],
                               "synonyms": [["впн", "vpn"]]}, ensure_ascii=False, indent=1), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"articles": [\n {"title": "x", "body": "y"},\n {"title": "z" "body": "w"}\n]}\n')
    try:
        r = runner.invoke(app, ["kb", "import", str(bad)], env=env)
        assert r.exit_code == 1 and "bad.json: строка 3" in r.output, r.output
        r = runner.invoke(app, ["kb", "import", str(src)], env=env)
        assert r.exit_code == 0, r.output
        assert "'created': 2" in r.output
        r = runner.invoke(app, ["kb", "export", str(tmp_path / "md"), "--format", "md"], env=env)
        assert r.exit_code == 0, r.output
        files = sorted(p.name for p in (tmp_path / "md").iterdir())
        assert len(files) == 3 and files[-1] == "synonyms.json"
        r = runner.invoke(app, ["kb", "export", str(tmp_path / "out.json")], env=env)
        assert r.exit_code == 0, r.output
        out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
        assert sorted(a["title"] for a in out["articles"]) == ["Не подключается VPN", "Ошибка 500"]
        assert out["synonyms"] == [["впн", "vpn"]]
        r = runner.invoke(app, ["kb", "export", str(tmp_path / "md"), "--format", "md"], env=env)
        assert r.exit_code == 1 and "пустой" in r.output
    finally:
        asyncio.run(_cleanup(settings))


async def _cleanup(settings: Settings) -> None:
    root = build_root(settings, with_bot=False, with_api=False)
    await _empty(root)
    await root.shutdown()
