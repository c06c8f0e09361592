"""The in-memory index follows every change, in this process at once and in another one by the poll."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from app.root import Root, build_root
from app.wiring_kb import POLL_JOB_ID, kb_poll, register_poll
from core.settings import Settings
from kb.models import Article, KbState, SynonymGroup
from kb.search import load_default_synonyms, load_sample_articles
from kb.service import KnowledgeBase

VPN = {"title": "Не подключается VPN на ноутбуке", "body": "Перезапустите клиент VPN и проверьте токен.",
       "tags": ["vpn", "удалённый доступ"]}


def ids(kb: KnowledgeBase, q: str, **kw: object) -> list[int]:
    return [h.id for h in kb.search(q, **kw)]


async def test_create_patch_delete_follow_the_index(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    art = await kb.create_article(uow=root.uow(), **VPN)
    assert ids(kb, "не работает впн") == [art.id]
    await kb.update_article(uow=root.uow(), article_id=art.id,
                            changes={"title": "Принтер печатает пустые листы", "body": "Замените картридж.",
                                     "tags": ["принтер"]})
    assert ids(kb, "не работает впн") == []
    assert ids(kb, "принтер печатает пустые листы") == [art.id]
    await kb.update_article(uow=root.uow(), article_id=art.id, changes={"status": "archived"})
    assert ids(kb, "принтер печатает пустые листы") == []
    await kb.update_article(uow=root.uow(), article_id=art.id, changes={"status": "published"})
    assert ids(kb, "принтер печатает пустые листы") == [art.id]
    await kb.delete_article(uow=root.uow(), article_id=art.id)
    assert ids(kb, "принтер печатает пустые листы") == []
    history = await kb.article_history(uow=root.uow(), article_id=art.id)
    assert [v.changes for v in history] == [["created"], ["title", "body", "tags"], ["status"], ["status"],
                                            ["deleted"]]


async def test_draft_is_not_searched_until_published(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    art = await kb.create_article(uow=root.uow(), status="draft", **VPN)
    assert ids(kb, "не подключается vpn") == []
    await kb.update_article(uow=root.uow(), article_id=art.id, changes={"status": "published"})
    assert ids(kb, "не подключается vpn") == [art.id]


async def test_service_filter_keeps_general_articles(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    own = await kb.create_article(uow=root.uow(), service="nttm", title="Не закрывается инцидент в NTTM",
                                  body="Заполните код закрытия и решение.", tags=["nttm", "закрытие"])
    assert ids(kb, "не закрывается инцидент nttm", service="nttm") == [own.id]
    assert ids(kb, "не закрывается инцидент nttm", service="clm") == []


async def test_synonyms_put_changes_results(root: Root) -> None:
    kb: KnowledgeBase = root.kb
    art = await kb.create_article(uow=root.uow(), title="Как настроить зюзюблик", body="Откройте зюзюблик.",
                                  tags=["зюзюблик"])
    assert ids(kb, "кракозябра настроить") == []
    await kb.put_synonyms(uow=root.uow(), groups=[["зюзюблик", "кракозябра"]])
    assert ids(kb, "кракозябра настроить") == [art.id]
    assert await kb.get_synonyms(uow=root.uow()) == [["зюзюблик", "кракозябра"]]


async def test_other_process_reloads_on_poll(root: Root, settings: Settings) -> None:
    other = build_root(settings, with_bot=False, with_api=False)
    await other.startup()
    try:
        art = await root.kb.create_article(uow=root.uow(), **VPN)
        assert ids(root.kb, "не работает впн") == [art.id]  # this process: at once
        assert ids(other.kb, "не работает впн") == []  # the other one: not yet
        assert other.kb.revision < root.kb.revision
        await kb_poll(other)
        assert ids(other.kb, "не работает впн") == [art.id]
        assert other.kb.revision == root.kb.revision
        assert await other.kb.refresh(uow_factory=other.uow) is False  # nothing new: no reload
        await other.kb.delete_article(uow=other.uow(), article_id=art.id)
        await kb_poll(root)
        assert ids(root.kb, "не работает впн") == []
        register_poll(other)
        job = other.scheduler.get_job(POLL_JOB_ID)
        assert job is not None and job.trigger.interval.total_seconds() == settings.kb_poll_seconds
    finally:
        await other.shutdown()


async def test_own_change_after_missed_one_forces_reload(root: Root, settings: Settings) -> None:
    other = build_root(settings, with_bot=False, with_api=False)
    await other.startup()
    try:
        missed = await other.kb.create_article(uow=other.uow(), **VPN)
        await root.kb.create_article(uow=root.uow(), title="Принтер печатает пустые листы", body="Картридж.")
        assert ids(root.kb, "не подключается vpn") == []  # the other process's change is still unseen here
        assert await root.kb.refresh(uow_factory=root.uow) is True
        assert ids(root.kb, "не подключается vpn") == [missed.id]
    finally:
        await other.shutdown()


async def _count(root: Root, model: type) -> int:
    async with root.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_seeding_on_first_start_only(root: Root, settings: Settings) -> None:
    # The fixture's start (KB_SEED_SAMPLE=false) seeded the default synonyms but no articles.
    assert await root.kb.get_synonyms(uow=root.uow()) == [list(dict.fromkeys(g)) for g in load_default_synonyms()]
    assert await _count(root, Article) == 0
    async with root.uow() as uow:  # back to a never-started knowledge base
        for model in (SynonymGroup, KbState):
            await uow.session.execute(delete(model))
        await uow.commit()
    seeding = settings.model_copy(update={"kb_seed_sample": True})
    first = build_root(seeding, with_bot=False, with_api=False)
    await first.startup()
    try:
        n = len(load_sample_articles())
        assert n >= 30 and await _count(first, Article) == n and len(first.kb.index) == n
        assert first.kb.search("забыл пароль от учётной записи")
        async with first.uow() as uow:
            await uow.session.execute(delete(Article))
            await uow.commit()
    finally:
        await first.shutdown()
    again = build_root(seeding, with_bot=False, with_api=False)
    await again.startup()
    try:
        assert await _count(again, Article) == 0 and len(again.kb.index) == 0
    finally:
        await again.shutdown()
