"""kb.io: where a bad file is wrong (file, line or item, and why), and the Markdown format round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.io import ImportRefused, bundle_from_obj, markdown_text, parse_json, parse_markdown_dir, parse_markdown_file

GOOD = (
    "---\ntitle: Не подключается VPN\ntags: [vpn, доступ]\nservice: nttm\nstatus: draft\n---\nПерезапустите клиент.\n"
)


def test_json_syntax_error_names_the_line() -> None:
    text = '{\n "articles": [\n  {"title": "a", "body": "b"},\n  {"title": "c", "body": "d",}\n ]\n}\n'
    with pytest.raises(ImportRefused) as exc:
        parse_json(text, source="articles.json")
    assert exc.value.message.startswith("articles.json: строка 4: ошибка JSON")


@pytest.mark.parametrize(
    ("item", "where"),
    [
        ({"body": "b"}, "articles[1]: поле title: обязательное поле"),
        ({"title": "  ", "body": "b"}, "articles[1]: поле title: непустая строка"),
        (
            {"title": "t", "body": "b", "status": "live"},
            "articles[1]: поле status: одно из: draft, published, archived",
        ),
        ({"title": "t", "body": "b", "tags": "vpn"}, "articles[1]: поле tags: список строк"),
        ({"title": "t", "body": "b", "colour": "red"}, "articles[1]: неизвестные поля: colour"),
        ({"title": "t", "body": "b", "id": -3}, "articles[1]: поле id: положительное целое число"),
        ({"title": "A", "body": "b"}, "articles[1]: заголовок уже встречался (x.json: articles[0])"),
    ],
)
def test_bad_item_is_named_by_index(item: dict[str, object], where: str) -> None:
    doc = {"articles": [{"title": "a", "body": "b"}, item]}
    with pytest.raises(ImportRefused) as exc:
        parse_json(json.dumps(doc), source="x.json")
    assert exc.value.message == f"x.json: {where}"
    assert next(iter(exc.value.fields)).startswith("articles[1]")


def test_defaults_and_bare_list() -> None:
    b = bundle_from_obj([{"title": " Заголовок ", "body": "Текст", "tags": ["a", "a", " b "]}], source="api")
    assert b.synonyms is None and len(b.articles) == 1
    assert b.articles[0].values == {
        "title": "Заголовок",
        "body": "Текст",
        "body_format": "html",
        "tags": ["a", "b"],
        "status": "published",
    }


def test_bad_synonym_group_is_refused() -> None:
    with pytest.raises(ImportRefused, match=r"synonyms: group 1"):
        parse_json(json.dumps({"articles": [], "synonyms": [["a", "b"], ["solo"]]}))


def test_markdown_file_parsed() -> None:
    a = parse_markdown_file(GOOD, source="vpn.md")
    assert a.values == {
        "title": "Не подключается VPN",
        "body": "Перезапустите клиент.",
        "body_format": "markdown",
        "tags": ["vpn", "доступ"],
        "service": "nttm",
        "status": "draft",
    }


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("title: x\n---\nbody", "vpn.md: строка 1: файл должен начинаться"),
        ("---\ntitle: x\nbody", "vpn.md: строка 1: front matter не закрыт"),
        ("---\ntitle: x\nstatus: live\n---\nbody", "vpn.md: строка 3: поле status: одно из: draft"),
        ("---\ntitle: x\ntags: [a, b\n---\nbody", "vpn.md: строка 3: ошибка YAML"),
        ("---\ntitle: x\n\nauthr: me\n---\nbody", "vpn.md: строка 4: неизвестное поле authr"),
        ("---\ntags: [a]\n---\nbody", "vpn.md: строка 1: поле title: обязательное поле"),
        ("---\ntitle: x\n---\n\n", "vpn.md: строка 4: поле body: непустая строка"),
    ],
)
def test_markdown_errors_name_the_line(text: str, where: str) -> None:
    with pytest.raises(ImportRefused) as exc:
        parse_markdown_file(text, source="vpn.md")
    assert exc.value.message.startswith(where), exc.value.message


def test_markdown_text_round_trip() -> None:
    art = {
        "id": 7,
        "title": "Ошибка: «500» — что делать?",
        "body": "---\n<b>жирный</b>\n# заголовок",
        "tags": ["a: b", "#c"],
        "service": None,
        "status": "archived",
        "body_format": "html",
    }
    back = parse_markdown_file(markdown_text(art), source="7.md")
    assert back.id == 7 and back.values == {k: art[k] for k in art if k != "id"}


def test_markdown_folder_with_bad_synonyms(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "synonyms.json").write_text('[\n ["a", "b"],\n ["c" "d"]\n]\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"^synonyms\.json: строка 3"):
        parse_markdown_dir(tmp_path)
    (tmp_path / "synonyms.json").write_text('[["впн", "vpn"]]', encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"^b\.md: заголовок уже встречался \(a\.md\)"):
        parse_markdown_dir(tmp_path)
    (tmp_path / "b.md").unlink()
    bundle = parse_markdown_dir(tmp_path)
    assert bundle.synonyms == [["впн", "vpn"]] and [a.values["title"] for a in bundle.articles] == [
        "Не подключается VPN"
    ]
