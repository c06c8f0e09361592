"""Synthetic-scale benchmark of kb.search: build time and search latency on 10,000 articles.

Usage: .venv/bin/python bench/kb.py [--articles 10000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

# This file is named kb.py: drop its own folder from the path so `kb` resolves to the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from kb.search import ArticleDoc, SearchIndex, load_default_synonyms  # noqa: E402

NOUNS = (
    "принтер сканер монитор ноутбук компьютер клавиатура мышь гарнитура микрофон пароль учетная запись почта "
    "письмо вложение календарь сервер сеть коммутатор маршрутизатор роутер кабель порт драйвер обновление "
    "лицензия сертификат токен браузер кэш профиль папка диск база отчет заявка тикет наряд клиент абонент "
    "оператор чат диалог канал шаблон кампания сегмент рассылка объект пульт контроллер счетчик показания "
    "договор документ архив журнал лог ошибка доступ роль группа пользователь телефон звонок очередь"
).split()
VERBS = (
    "не работает не открывается не печатает зависает тормозит не подключается не сохраняется пропал "
    "не приходит не отправляется не запускается выдает ошибку требует пароль заблокирован"
).split(" ")
ADJ = "сетевой рабочий новый старый основной резервный общий личный второй корпоративный удаленный".split()
RU = "йцукенгшщзхъфывапролджэячсмитьбю."
EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,./"
TO_EN = dict(zip(RU, EN, strict=True))


def make_articles(n: int, rng: random.Random) -> list[ArticleDoc]:
    """Deterministic synthetic articles built from an IT vocabulary."""
    docs = []
    for i in range(n):
        a, b = rng.sample(NOUNS, 2)
        title = f"{rng.choice(ADJ).capitalize()} {a} {rng.choice(VERBS)} ({b}) №{i}"
        body = " ".join(
            f"{rng.choice(['Проверьте', 'Откройте', 'Перезапустите', 'Настройте'])} {rng.choice(NOUNS)} "
            f"и {rng.choice(NOUNS)}, затем {rng.choice(VERBS)} {rng.choice(NOUNS)}."
            for _ in range(rng.randint(3, 8))
        )
        docs.append(ArticleDoc(id=i + 1, title=title, body=body, tags=(a, b, rng.choice(NOUNS))))
    return docs


def make_queries(n: int, rng: random.Random) -> list[str]:
    """Mixed queries: paraphrase, typo, wrong layout, one word, long message, unanswerable."""
    out = []
    for i in range(n):
        base = f"{rng.choice(NOUNS)} {rng.choice(VERBS)}"
        kind = i % 6
        if kind == 1:
            pos = rng.randrange(len(base))
            base = base[:pos] + rng.choice("аоеи") + base[pos + 1 :]
        elif kind == 2:
            base = "".join(TO_EN.get(c, c) for c in base)
        elif kind == 3:
            base = rng.choice(NOUNS)
        elif kind == 4:
            base = f"Добрый день, коллеги! С утра {base}, {rng.choice(ADJ)} {rng.choice(NOUNS)} тоже, что делать?"
        elif kind == 5:
            base = rng.choice(["как оформить больничный", "где парковка", "курс доллара", "когда зарплата"])
        out.append(base)
    return out


def main() -> None:
    """Build the index, run the queries, print build time and latency percentiles."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=1000)
    a = ap.parse_args()
    rng = random.Random(20240611)
    docs = make_articles(a.articles, rng)
    queries = make_queries(a.queries, rng)
    index = SearchIndex(synonyms=load_default_synonyms())
    t = time.perf_counter()
    index.rebuild(docs)
    index.search("прогрев")  # the lookup tables are built lazily on the first search
    build = time.perf_counter() - t
    lat = []
    offered = 0
    for q in queries:
        t = time.perf_counter()
        offered += bool(index.search(q, limit=3))
        lat.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    index.upsert(ArticleDoc(id=1, title="Принтер не печатает", body="Проверьте кабель", tags=("принтер",)))
    index.search("принтер")
    upsert_ms = (time.perf_counter() - t) * 1000
    lat.sort()
    print(
        f"articles={a.articles} build={build:.2f}s queries={len(lat)} "
        f"p50={statistics.median(lat):.2f}ms p95={lat[int(0.95 * (len(lat) - 1))]:.2f}ms "
        f"max={lat[-1]:.2f}ms offered={offered}/{len(lat)} upsert+search={upsert_ms:.1f}ms"
    )


if __name__ == "__main__":
    main()
