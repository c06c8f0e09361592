"""Knowledge base over HTTP: auth, validation, CRUD + history, search in step with edits, synonyms, stats, import."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from app.root import Root
from tests import factories

KB = "/api/v1/kb"
VPN = {"title": "Не подключается VPN на ноутбуке", "body": "Перезапустите клиент VPN и проверьте токен.",
       "tags": ["vpn", "удалённый доступ"]}

ROUTES = [("POST", "/articles"), ("GET", "/articles"), ("GET", "/articles/1"), ("PATCH", "/articles/1"),
          ("DELETE", "/articles/1"), ("GET", "/articles/1/history"), ("GET", "/search?q=vpn"), ("GET", "/synonyms"),
          ("PUT", "/synonyms"), ("GET", "/stats"), ("GET", "/gaps"), ("GET", "/export"), ("POST", "/import")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_needs_the_token(anon: httpx.AsyncClient, method: str, path: str) -> None:
    r = await anon.request(method, KB + path, json={})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = await anon.request(method, KB + path, json={}, headers={"Authorization": "Bearer wrong-token-0123456789"})
    assert r.status_code == 401


async def hits(client: httpx.AsyncClient, q: str, **params: object) -> list[int]:
    r = await client.get(f"{KB}/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["hits"]]


async def test_create_search_patch_delete(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{KB}/articles", json=VPN)
    assert r.status_code == 201, r.text
    art = r.json()
    assert art["status"] == "published" and art["body_format"] == "html" and art["version"] == 1
    r = await client.get(f"{KB}/search", params={"q": "ytn ljcnegf r dgy"})  # wrong layout: «нет доступа к впн»
    hit = r.json()["hits"][0]
    assert hit["id"] == art["id"] and hit["title"] == VPN["title"] and 0 < hit["score"] <= 1 and hit["snippet"]
    r = await client.patch(f"{KB}/articles/{art['id']}", json={"title": "Принтер печатает пустые листы",
                                                                 "body": "Замените картридж.", "tags": ["принтер"]})
    assert r.status_code == 200 and r.json()["version"] == 2
    assert await hits(client, "не работает впн") == []
    assert await hits(client, "принтер печатает пустые листы") == [art["id"]]
    history = (await client.get(f"{KB}/articles/{art['id']}/history")).json()
    assert [v["changes"] for v in history] == [["created"], ["title", "body", "tags"]]
    assert history[0]["title"] == VPN["title"] and history[1]["changed_by"] == "admin-api"
    assert (await client.delete(f"{KB}/articles/{art['id']}")).status_code == 204
    assert await hits(client, "принтер печатает пустые листы") == []
    assert (await client.get(f"{KB}/articles/{art['id']}")).status_code == 404
    assert (await client.patch(f"{KB}/articles/{art['id']}", json={"title": "x"})).status_code == 404
    assert (await client.get(f"{KB}/articles")).json()["total"] == 0
    history = (await client.get(f"{KB}/articles/{art['id']}/history")).json()
    assert history[-1]["changes"] == ["deleted"]  # the audit trail outlives the article


async def test_draft_not_searched_and_service_scope(client: httpx.AsyncClient) -> None:
    draft = (await client.post(f"{KB}/articles", json={**VPN, "status": "draft"})).json()
    assert await hits(client, "не подключается vpn") == []
    await client.patch(f"{KB}/articles/{draft['id']}", json={"status": "published", "service": "nttm"})
    assert await hits(client, "не подключается vpn", service="nttm") == [draft["id"]]
    assert await hits(client, "не подключается vpn", service="clm") == []


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await client.post(f"{KB}/articles", json={"title": f"Статья {i}", "body": f"текст номер {i}",
                                                  "service": "clm" if i % 2 else None,
                                                  "status": "draft" if i == 4 else "published"})
    page = (await client.get(f"{KB}/articles", params={"page": 2, "per_page": 2})).json()
    assert page["total"] == 5 and page["page"] == 2 and len(page["items"]) == 2
    assert [a["title"] for a in page["items"]] == ["Статья 2", "Статья 1"]  # most recently changed first
    assert (await client.get(f"{KB}/articles", params={"service": "clm"})).json()["total"] == 2
    assert (await client.get(f"{KB}/articles", params={"status": "draft"})).json()["total"] == 1
    found = (await client.get(f"{KB}/articles", params={"text": "НОМЕР 3"})).json()
    assert [a["title"] for a in found["items"]] == ["Статья 3"]
    found = (await client.get(f"{KB}/articles", params={"text": "статья 1"})).json()
    assert [a["title"] for a in found["items"]] == ["Статья 1"]


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("POST", "/articles", {"body": "x"}, "title"),
    ("POST", "/articles", {"title": "t", "body": "x", "service": "nosuch"}, "service"),
    ("POST", "/articles", {"title": "t", "body": "x", "status": "live"}, "status"),
    ("POST", "/articles", {"title": "t", "body": "x", "body_format": "rtf"}, "body_format"),
    ("POST", "/articles", {"title": "t", "body": "x", "colour": "red"}, "colour"),
    ("POST", "/articles", {"title": "   ", "body": "x"}, "title"),
    ("PUT", "/synonyms", {"groups": [["впн", "vpn"], ["одно"]]}, "groups[1]"),
    ("PUT", "/synonyms", {"groups": [["впн", " "]]}, "groups[0]"),
    ("PUT", "/synonyms", {"groups": [["впн", "ВПН "], ["a", "a"]]}, "groups[1]"),
])
async def test_validation(client: httpx.AsyncClient, method: str, path: str, body: dict[str, object],
                          field: str) -> None:
    r = await client.request(method, KB + path, json=body)
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]


async def test_patch_and_search_validation(client: httpx.AsyncClient) -> None:
    art = (await client.post(f"{KB}/articles", json=VPN)).json()
    r = await client.patch(f"{KB}/articles/{art['id']}", json={"title": None})
    assert r.status_code == 422 and "title" in r.json()["error"]["fields"]
    r = await client.patch(f"{KB}/articles/{art['id']}", json={"service": "nosuch"})
    assert r.status_code == 422 and "service" in r.json()["error"]["fields"]
    r = await client.patch(f"{KB}/articles/{art['id']}", json={"service": "nttm"})
    assert r.status_code == 200 and r.json()["service"] == "nttm"
    r = await client.patch(f"{KB}/articles/{art['id']}", json={"service": None})  # back to every service
    assert r.status_code == 200 and r.json()["service"] is None and r.json()["version"] == 3
    assert (await client.get(f"{KB}/search")).status_code == 422
    assert (await client.get(f"{KB}/search", params={"q": ""})).status_code == 422
    assert (await client.get(f"{KB}/search", params={"q": "vpn", "limit": 11})).status_code == 422
    assert (await client.get(f"{KB}/search", params={"q": "vpn", "limit": 0})).status_code == 422
    assert (await client.get(f"{KB}/articles/999999")).status_code == 404


async def test_nothing_confident_returns_no_hits(client: httpx.AsyncClient) -> None:
    await client.post(f"{KB}/articles", json=VPN)
    assert await hits(client, "какая погода будет завтра в Самаре") == []
    assert await hits(client, "здравствуйте") == []


async def test_synonyms_put_changes_results(client: httpx.AsyncClient) -> None:
    art = (await client.post(f"{KB}/articles", json={"title": "Как настроить зюзюблик", "body": "Откройте зюзюблик.",
                                                     "tags": ["зюзюблик"]})).json()
    assert await hits(client, "кракозябра настроить") == []
    r = await client.put(f"{KB}/synonyms", json={"groups": [["зюзюблик", "кракозябра"]]})
    assert r.status_code == 200 and r.json() == {"groups": [["зюзюблик", "кракозябра"]]}
    assert (await client.get(f"{KB}/synonyms")).json() == {"groups": [["зюзюблик", "кракозябра"]]}
    assert await hits(client, "кракозябра настроить") == [art["id"]]


async def test_stats(client: httpx.AsyncClient, root: Root) -> None:
    art = (await client.post(f"{KB}/articles", json=VPN)).json()
    u = await factories.user(root)
    await root.kb.record_request_started(uow=root.uow(), user_id=u.id)
    offers = await root.kb.record_offers(uow=root.uow(), user_id=u.id, query="впн", article_ids=[art["id"]],
                                         context="report")
    await root.kb.record_feedback(uow=root.uow(), offer_ids=offers, helped_article_id=art["id"])
    await root.kb.record_request_started(uow=root.uow(), user_id=u.id)
    await hits(client, "не работает впн")  # an API search is not an offer
    st = (await client.get(f"{KB}/stats")).json()
    assert st["overall"] == {"offers": 1, "helped": 1, "helped_share": 1.0, "requests_started": 2,
                             "requests_solved": 1, "self_service_rate": 0.5}
    assert st["articles"][0]["id"] == art["id"] and st["articles"][0]["helped_share"] == 1.0


async def test_gaps_group_unanswered_questions_with_counts_per_service(client: httpx.AsyncClient, root: Root) -> None:
    u = await factories.user(root)
    for q, svc in [("CLM: как скопировать кампанию с настройками", "clm"),
                   ("как скопировать кампанию в CLM вместе с настройками?", "clm"),
                   ("Добрый день. Я маркетолог. Нужно скопировать кампанию с настройками. Спасибо заранее!", None),
                   ("ТЕКОН: как поменять часовой пояс объекта", "tecon")]:
        await root.kb.record_miss(uow=root.uow(), user_id=u.id, query=q, service=svc, context="report")
    r = await client.get(f"{KB}/gaps", params={"days": 7})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["misses"] == 4 and body["groups_total"] == 2
    assert body["services"] == [{"service": "clm", "misses": 2}, {"service": None, "misses": 1},
                                {"service": "tecon", "misses": 1}]
    top, second = body["groups"]
    assert top["count"] == 3 and {"кампанию", "настройками"} <= set(top["words"])
    assert top["services"] == [{"service": "clm", "count": 2}, {"service": None, "count": 1}]
    assert second["count"] == 1 and second["example"] == "ТЕКОН: как поменять часовой пояс объекта"
    assert (await client.get(f"{KB}/gaps", params={"limit": 1})).json()["groups"] == [top]
    assert (await client.get(f"{KB}/gaps", params={"days": 0})).status_code == 422


async def test_import_export(client: httpx.AsyncClient) -> None:
    await client.post(f"{KB}/articles", json=VPN)
    exported = (await client.get(f"{KB}/export")).json()
    assert [a["title"] for a in exported["articles"]] == [VPN["title"]] and exported["synonyms"]
    bad = {"articles": [{"title": "Новая", "body": "x"}, {"title": "Ещё", "body": "y", "status": "live"}],
           "synonyms": [["a", "b"]]}
    r = await client.post(f"{KB}/import", json=bad)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "articles[1]" in err["message"] and "articles[1].status" in err["fields"]
    bad["articles"][1] = {"title": "Ещё", "body": "y", "service": "nosuch"}
    r = await client.post(f"{KB}/import", json=bad)
    assert r.status_code == 422 and "articles[1].service" in r.json()["error"]["fields"]
    assert (await client.get(f"{KB}/articles")).json()["total"] == 1  # nothing written
    assert (await client.get(f"{KB}/synonyms")).json()["groups"] == exported["synonyms"]
    vpn = exported["articles"][0]
    good = {"articles": [{**vpn, "tags": ["vpn"]}, {"title": "Принтер печатает пустые листы", "body": "Картридж."}],
            "synonyms": [["впн", "vpn"]]}
    r = await client.post(f"{KB}/import", json=good)
    assert r.status_code == 200 and r.json() == {"created": 1, "updated": 1, "unchanged": 0, "synonym_groups": 1}
    assert await hits(client, "принтер печатает пустые листы")
    assert (await client.get(f"{KB}/articles/{vpn['id']}")).json()["tags"] == ["vpn"]
    r = await client.post(f"{KB}/import", json=[1, 2])
    assert r.status_code == 422 and "articles[0]" in r.json()["error"]["fields"]


def zipped(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


async def post_zip(client: httpx.AsyncClient, data: bytes) -> httpx.Response:
    return await client.post(f"{KB}/import", content=data, headers={"Content-Type": "application/zip"})


def comparable(articles: list[dict[str, object]]) -> list[tuple[object, ...]]:
    keys = ("title", "body", "body_format", "tags", "service", "status")
    return sorted(tuple(a[k] for k in keys) for a in articles)


async def test_markdown_zip_round_trip(client: httpx.AsyncClient) -> None:
    made = [(await client.post(f"{KB}/articles", json=a)).json() for a in (
        VPN, {"title": "Принтер печатает пустые листы", "body": "**Замените** картридж.\n\nПотом перезапустите.",
              "body_format": "markdown", "service": "nttm", "status": "draft", "tags": ["принтер"]})]
    await client.put(f"{KB}/synonyms", json={"groups": [["впн", "vpn"], ["принтер", "мфу"]]})
    before = (await client.get(f"{KB}/export")).json()
    r = await client.get(f"{KB}/export", params={"format": "md"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="kb-export.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = sorted(zf.namelist())
    assert names == [f"{made[0]['id']:04d}-не-подключается-vpn-на-ноутбуке.md",
                     f"{made[1]['id']:04d}-принтер-печатает-пустые-листы.md", "synonyms.json"]
    archive = r.content
    r = await post_zip(client, archive)  # into the same KB: nothing to change
    assert r.status_code == 200 and r.json() == {"created": 0, "updated": 0, "unchanged": 2, "synonym_groups": 2}
    for a in made:
        assert (await client.delete(f"{KB}/articles/{a['id']}")).status_code == 204
    await client.put(f"{KB}/synonyms", json={"groups": [["a", "b"]]})
    assert (await client.get(f"{KB}/export")).json()["articles"] == []
    r = await post_zip(client, archive)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 0, "synonym_groups": 2}
    after = (await client.get(f"{KB}/export")).json()
    assert comparable(after["articles"]) == comparable(before["articles"])
    assert after["synonyms"] == before["synonyms"] == [["впн", "vpn"], ["принтер", "мфу"]]
    assert await hits(client, "не подключается vpn на ноутбуке") == [after["articles"][0]["id"]]


async def test_markdown_zip_in_a_wrapper_folder_and_json_default(client: httpx.AsyncClient) -> None:
    md = "---\ntitle: Не подключается VPN\ntags: [vpn]\n---\nПерезапустите клиент.\n"
    r = await post_zip(client, zipped({"kb/": "", "kb/0001-vpn.md": md, "kb/notes.txt": "ignored"}))
    assert r.status_code == 200 and r.json()["created"] == 1 and r.json()["synonym_groups"] == -1
    r = await client.get(f"{KB}/export", params={"format": "json"})
    assert r.headers["content-type"] == "application/json"
    assert [(a["title"], a["body_format"]) for a in r.json()["articles"]] == [("Не подключается VPN", "markdown")]
    assert (await client.get(f"{KB}/export", params={"format": "pdf"})).status_code == 422
    r = await client.post(f"{KB}/import", content=b"<xml/>", headers={"Content-Type": "text/xml"})
    assert r.status_code == 415


BAD_FRONT = "---\ntitle: Принтер\nstatus: live\n---\nТекст.\n"
BAD_ZIPS = [
    ({"0001-ok.md": "---\ntitle: Впн\n---\nТекст.\n", "0002-printer.md": BAD_FRONT, "synonyms.json": '[["a", "b"]]'},
     "0002-printer.md: строка 3: поле status: одно из: draft, published, archived"),
    ({"0001-ok.md": "---\ntitle: Впн\ncolour: red\n---\nx\n"}, "0001-ok.md: строка 3: неизвестное поле colour"),
    ({"0001-ok.md": "---\ntitle: [Впн\n---\nx\n"}, "0001-ok.md: строка 2: ошибка YAML"),
    ({"0001-ok.md": "no front matter\n"}, "0001-ok.md: строка 1: файл должен начинаться"),
    ({"0001-ok.md": "---\ntitle: Впн\nservice: nosuch\n---\nx\n"}, "0001-ok.md: нет услуги с кодом «nosuch»"),
    ({"0001-ok.md": "---\ntitle: Впн\n---\nx\n", "synonyms.json": '[["a"]]'}, "synonyms.json: "),
    ({"0001-ok.md": b"---\ntitle: \xff\n---\nx\n"}, "0001-ok.md: файл не в кодировке UTF-8"),
    ({"../0001-ok.md": "---\ntitle: Впн\n---\nx\n"}, "../0001-ok.md: недопустимый путь"),
    ({"kb/../../etc/x.md": "---\ntitle: Впн\n---\nx\n"}, "kb/../../etc/x.md: недопустимый путь"),
    ({"/etc/0001-ok.md": "---\ntitle: Впн\n---\nx\n"}, "/etc/0001-ok.md: недопустимый путь"),
    ({"readme.txt": "hello"}, "нет ни одного файла .md"),
]


@pytest.mark.parametrize(("files", "where"), BAD_ZIPS)
async def test_bad_markdown_zip_refused_and_nothing_written(client: httpx.AsyncClient,
                                                            files: dict[str, bytes | str], where: str) -> None:
    await client.post(f"{KB}/articles", json=VPN)
    synonyms = (await client.get(f"{KB}/synonyms")).json()
    r = await post_zip(client, zipped(files))
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "import_refused" and where in err["message"], err["message"]
    listed = (await client.get(f"{KB}/articles")).json()
    assert [a["title"] for a in listed["items"]] == [VPN["title"]] and listed["items"][0]["version"] == 1
    assert (await client.get(f"{KB}/synonyms")).json() == synonyms


async def test_zip_bomb_and_garbage_refused(root: Root, client: httpx.AsyncClient) -> None:
    root.settings.kb_import_unpacked_mb = 20  # the route reads the setting per request
    cap = 20 * 1024 * 1024
    bomb = zipped({"0001-a.md": "---\ntitle: a\n---\n" + "x" * cap})
    assert len(bomb) < cap // 100  # small on the wire, too big unpacked
    r = await post_zip(client, bomb)
    assert r.status_code == 422, r.text
    assert "0001-a.md: архив после распаковки больше 20 МБ (KB_IMPORT_UNPACKED_MB)" in r.json()["error"]["message"]
    r = await post_zip(client, b"PK\x03\x04 not really a zip")
    assert r.status_code == 422 and "не zip-архив" in r.json()["error"]["message"]
    assert (await client.get(f"{KB}/articles")).json()["total"] == 0


async def test_zip_import_and_md_export_need_the_token(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    await client.post(f"{KB}/articles", json=VPN)
    archive = (await client.get(f"{KB}/export", params={"format": "md"})).content
    r = await anon.get(f"{KB}/export", params={"format": "md"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = await anon.post(f"{KB}/import", content=archive, headers={"Content-Type": "application/zip"})
    assert r.status_code == 401
    r = await anon.post(f"{KB}/import", content=archive,
                        headers={"Content-Type": "application/zip", "Authorization": "Bearer wrong-token-0123456789"})
    assert r.status_code == 401
