"""Synthetic-scale benchmark of kb.search: build time and search latency on 10,000 articles.

Usage: .venv/bin/python bench/kb.py [--articles 10000] [--queries 1000] [--vocab realistic|legacy]

Two generators:
- realistic (default) imitates a real 10k-article support KB. Every article is about one named product,
  system or site (2,400 invented names such as «Веларис» or «Торомин», each named in about 4 articles,
  like «1С:ЗУП» or «ЦТП-12» in a real KB) and one symptom, described with ~330 real Russian IT words.
  The words are drawn unevenly on purpose: 40 everyday words (пользователь, доступ, ошибка, сервер …)
  land in 10–25% of the articles, so common-word queries still walk long posting lists; the rest in 1–5%.
  Queries: product + symptom paraphrase, its typo, its wrong-layout twin, one word (common or a name),
  a long message with greetings, a vague common-word question, and office-life questions to be refused.
- legacy is the first generator (~100 nouns, every posting list 15–25% of the articles), kept so that
  figures can be compared with earlier runs; it is harsher on latency than a real KB.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# This file is named kb.py: drop its own folder from the path so `kb` resolves to the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from kb.search import ArticleDoc, SearchIndex, load_default_synonyms  # noqa: E402
from kb.search.meaning import Embedder, Vec, load_embedder  # noqa: E402


class TimedEmbedder:
    """The real model, with the time its query embeddings take noted, so search and embedding are told apart."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim, self.spent = inner, inner.model_id, inner.dim, 0.0

    def query(self, text: str) -> Vec:
        t = time.perf_counter()
        try:
            return self.inner.query(text)
        finally:
            self.spent += time.perf_counter() - t

    def passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.passages(texts)

RU = "йцукенгшщзхъфывапролджэячсмитьбю."
EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,./"
TO_EN = dict(zip(RU, EN, strict=True))

COMMON = (
    "пользователь доступ ошибка сервер сеть пароль почта файл папка отчет документ заявка клиент система "
    "программа компьютер принтер настройка права учетная запись данные база обновление подключение версия "
    "модуль сервис окно кнопка список раздел карточка статус письмо телефон браузер сайт портал лицензия"
).split()
TAIL = (
    "сканер монитор ноутбук клавиатура мышь гарнитура микрофон камера вебкамера проектор флешка накопитель "
    "жесткий диск оперативная память процессор видеокарта блок питания батарея зарядка док-станция кабель "
    "розетка коммутатор маршрутизатор роутер точка доступа порт патч-корд прокси шлюз фаервол брандмауэр "
    "домен контроллер домена групповая политика dns dhcp ip-адрес маска подсеть vlan впн туннель сертификат "
    "токен смарт-карта электронная подпись криптопровайдер ключ шифрование антивирус карантин угроза "
    "вложение календарь встреча совещание переговорная видеосвязь конференция трансляция запись экран "
    "рабочий стол ярлык меню панель задач проводник буфер обмена скриншот шрифт кодировка раскладка "
    "драйвер прошивка патч дистрибутив установщик инсталлятор архив резервная копия бэкап восстановление "
    "снимок виртуальная машина гипервизор хранилище массив том раздел диска квота место журнал лог "
    "событие мониторинг оповещение уведомление рассылка шаблон макрос скрипт задание планировщик "
    "расписание очередь печати картридж тонер бумага лоток сканирование копирование факс "
    "таблица формула сводная выгрузка загрузка импорт экспорт интеграция коннектор api вебхук "
    "синхронизация репликация кэш куки сессия авторизация аутентификация логин профиль роль группа "
    "политика паролей блокировка разблокировка сброс срок действия продление договор счет акт накладная "
    "платеж оплата начисление тариф абонент лицевой счет наряд монтажник выезд адрес объект пульт "
    "датчик счетчик показания телеметрия контроллер шкаф узел учета авария инцидент тикет эскалация "
    "приоритет регламент согласование маршрут визирование подписание реестр справочник номенклатура "
    "склад остатки заказ поставка контрагент сделка воронка лид кампания сегмент аудитория чат диалог "
    "оператор канал мессенджер бот виджет оценка опрос анкета звонок гудок линия очередь вызовов ивр "
    "запись разговора транскрипция голосовое меню мобильное приложение планшет смартфон"
).split()
SYMPTOMS = (
    "не открывается|не запускается|зависает|медленно работает|выдает ошибку|не сохраняет изменения|"
    "не печатает|не подключается|не отправляет|не получает|пропал|не отображается|показывает неверные данные|"
    "требует пароль|заблокирован|не обновляется|не синхронизируется|вылетает|не видит|не загружается|"
    "не формирует отчет|долго грузится|не находит|дублирует записи|не приходит уведомление"
).split("|")
STEPS = "Проверьте|Откройте|Перезапустите|Настройте|Обновите|Очистите|Выберите|Укажите|Сохраните|Удалите".split("|")
SYLLABLES = "ва ве ви ло ла ри ра ро ти та то ми ма ке ко ни на но се са ду зо лю ре ри мо".split()
ENDINGS = "с н р м л кс рт ис ин он ум ан".split()
OFFICE = (
    "как оформить больничный|где парковка|курс доллара|когда зарплата|как заказать пропуск для гостя|"
    "где посмотреть расчетный листок|как записаться к врачу|когда корпоратив|не работает кофемашина|"
    "как забронировать переговорку|где взять канцелярию|сломался стул|как оформить отпуск|"
    "какая погода завтра|сколько стоит обед в столовой|как оформить командировку"
).split("|")

OLD_NOUNS = (
    "принтер сканер монитор ноутбук компьютер клавиатура мышь гарнитура микрофон пароль учетная запись почта "
    "письмо вложение календарь сервер сеть коммутатор маршрутизатор роутер кабель порт драйвер обновление "
    "лицензия сертификат токен браузер кэш профиль папка диск база отчет заявка тикет наряд клиент абонент "
    "оператор чат диалог канал шаблон кампания сегмент рассылка объект пульт контроллер счетчик показания "
    "договор документ архив журнал лог ошибка доступ роль группа пользователь телефон звонок очередь"
).split()
OLD_VERBS = (
    "не работает не открывается не печатает зависает тормозит не подключается не сохраняется пропал "
    "не приходит не отправляется не запускается выдает ошибку требует пароль заблокирован"
).split(" ")
OLD_ADJ = "сетевой рабочий новый старый основной резервный общий личный второй корпоративный удаленный".split()


def legacy_articles(n: int, rng: random.Random) -> list[ArticleDoc]:
    """The first generator: ~100 nouns, so every posting list holds 15–25% of the articles."""
    docs = []
    for i in range(n):
        a, b = rng.sample(OLD_NOUNS, 2)
        title = f"{rng.choice(OLD_ADJ).capitalize()} {a} {rng.choice(OLD_VERBS)} ({b}) №{i}"
        body = " ".join(
            f"{rng.choice(['Проверьте', 'Откройте', 'Перезапустите', 'Настройте'])} {rng.choice(OLD_NOUNS)} "
            f"и {rng.choice(OLD_NOUNS)}, затем {rng.choice(OLD_VERBS)} {rng.choice(OLD_NOUNS)}."
            for _ in range(rng.randint(3, 8))
        )
        docs.append(ArticleDoc(id=i + 1, title=title, body=body, tags=(a, b, rng.choice(OLD_NOUNS))))
    return docs


def _typo(text: str, rng: random.Random) -> str:
    """One letter replaced by a vowel people often confuse."""
    pos = rng.randrange(len(text))
    return text[:pos] + rng.choice("аоеи") + text[pos + 1 :]


def _wrong_layout(text: str) -> str:
    """The text as typed with the English keyboard layout on."""
    return "".join(TO_EN.get(c, c) for c in text)


def legacy_queries(n: int, rng: random.Random) -> list[str]:
    """Queries for legacy_articles, built from the same ~100 nouns."""
    out = []
    for i in range(n):
        base = f"{rng.choice(OLD_NOUNS)} {rng.choice(OLD_VERBS)}"
        kind = i % 6
        if kind == 1:
            base = _typo(base, rng)
        elif kind == 2:
            base = _wrong_layout(base)
        elif kind == 3:
            base = rng.choice(OLD_NOUNS)
        elif kind == 4:
            base = (
                f"Добрый день, коллеги! С утра {base}, {rng.choice(OLD_ADJ)} {rng.choice(OLD_NOUNS)} тоже, что делать?"
            )
        elif kind == 5:
            base = rng.choice(["как оформить больничный", "где парковка", "курс доллара", "когда зарплата"])
        out.append(base)
    return out


def product_names(n: int, rng: random.Random) -> list[str]:
    """n distinct invented names of products, systems and sites (2–3 syllables and an ending)."""
    names: set[str] = set()
    while len(names) < n:
        k = rng.choice((2, 2, 3))
        names.add(("".join(rng.choice(SYLLABLES) for _ in range(k)) + rng.choice(ENDINGS)).capitalize())
    return sorted(names)


def _word(rng: random.Random) -> str:
    # 40 everyday words take a third of the draws: each lands in 10–25% of the articles.
    return rng.choice(COMMON) if rng.random() < 0.33 else rng.choice(TAIL)


def make_articles(n: int, rng: random.Random) -> list[ArticleDoc]:
    """Deterministic articles: one named product and one symptom each, words drawn as the docstring says."""
    names = product_names(max(10, int(0.24 * n)), rng)
    docs = []
    for i in range(n):
        name, sym, a, b = rng.choice(names), rng.choice(SYMPTOMS), _word(rng), _word(rng)
        title = f"{name}: {a} {sym}"
        body = " ".join(
            f"{rng.choice(STEPS)} {_word(rng)} и {_word(rng)}, затем {_word(rng)} в {name}."
            for _ in range(rng.randint(3, 8))
        )
        docs.append(ArticleDoc(id=i + 1, title=title, body=body, tags=(name.lower(), a, b)))
    return docs


def make_queries(n: int, rng: random.Random, docs: list[ArticleDoc]) -> list[str]:
    """Mixed queries about random articles (see the module docstring), in a fixed rotation of seven kinds."""
    out = []
    for i in range(n):
        doc = rng.choice(docs)
        name, rest = doc.title.split(": ", 1)
        base = f"{rest.split(' ', 1)[1] if rng.random() < 0.5 else rest} {name.lower()}"
        kind = i % 7
        if kind == 1:
            base = _typo(base, rng)
        elif kind == 2:
            base = _wrong_layout(base)
        elif kind == 3:
            base = rng.choice([name, rng.choice(COMMON), rng.choice(TAIL)])
        elif kind == 4:
            base = f"Добрый день, коллеги! С утра {base}, {_word(rng)} тоже, подскажите, что делать?"
        elif kind == 5:
            base = f"{rng.choice(COMMON)} {rng.choice(SYMPTOMS)}"
        elif kind == 6:
            base = rng.choice(OFFICE)
        out.append(base)
    return out


def run(index: SearchIndex, queries: list[str], *, cold: bool,
        timer: TimedEmbedder | None = None) -> tuple[list[float], list[float], int, list[float], list[float]]:
    """Wall-clock and CPU latencies in ms, how many queries got an offer, and (with the model) each query's
    embedding time and the rest of its search, in ms; every list sorted."""
    lat, cpu, offered, emb, rest = [], [], 0, [], []
    for q in queries:
        if cold:
            index.drop_caches()
        spent = timer.spent if timer is not None else 0.0
        t, c = time.perf_counter(), time.process_time()
        offered += bool(index.search(q, limit=3))
        cpu.append((time.process_time() - c) * 1000)
        lat.append((time.perf_counter() - t) * 1000)
        if timer is not None:
            emb.append((timer.spent - spent) * 1000)
            rest.append(lat[-1] - emb[-1])
    return sorted(lat), sorted(cpu), offered, sorted(emb), sorted(rest)


def main() -> None:
    """Build the index, run the queries cold and again from the query cache, print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--vocab", choices=("realistic", "legacy"), default="realistic")
    ap.add_argument("--lexical", action="store_true", help="without the meaning signal (KB_MEANING=false)")
    a = ap.parse_args()
    loaded = load_embedder(enabled=not a.lexical)
    emb = TimedEmbedder(loaded) if loaded is not None else None
    rss_model = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rng = random.Random(20240611)
    if a.vocab == "legacy":
        docs = legacy_articles(a.articles, rng)
        queries = legacy_queries(a.queries, rng)
    else:
        docs = make_articles(a.articles, rng)
        queries = make_queries(a.queries, rng, docs)
    if emb is not None:
        # Stored vectors stand in for embedded synthetic articles (embedding 10k of them takes ~15 min here);
        # their values do not change the cost of a search, the real query embedding is what is timed.
        vrng = np.random.default_rng(7)
        raw = vrng.standard_normal((len(docs), 2, emb.dim)).astype(np.float32)
        raw /= np.linalg.norm(raw, axis=2, keepdims=True)
        docs = [dataclasses.replace(d, vector=raw[k].tobytes()) for k, d in enumerate(docs)]
    index = SearchIndex(synonyms=load_default_synonyms(), embedder=emb)
    t = time.perf_counter()
    index.rebuild(docs)
    index.search("прогрев")  # the lookup tables are built lazily on the first search
    build = time.perf_counter() - t
    # Cold: every query as if first seen (query and term caches dropped before each): the figure the aim is about.
    lat, cpu, offered, emb_ms, rest_ms = run(index, queries, cold=True, timer=emb)
    run(index, queries, cold=False)
    warm = run(index, queries, cold=False)[0]
    t = time.perf_counter()
    index.upsert(ArticleDoc(id=1, title="Принтер не печатает", body="Проверьте кабель", tags=("принтер",)))
    index.search("принтер")
    upsert_ms = (time.perf_counter() - t) * 1000
    print(
        f"vocab={a.vocab} articles={a.articles} meaning={'off' if emb is None else emb.model_id} "
        f"build={build:.2f}s (from stored vectors) "
        f"queries={len(lat)} distinct={len(set(queries))}\n"
        f"  cold (caches dropped before each query): p50={statistics.median(lat):.2f}ms "
        f"p95={_p95(lat):.2f}ms max={lat[-1]:.2f}ms offered={offered}/{len(lat)}\n"
        # On a shared machine wall time includes waiting for a CPU; process time shows the engine's own cost.
        f"  cold CPU time: p50={statistics.median(cpu):.2f}ms p95={_p95(cpu):.2f}ms "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)\n"
        f"  warm (same queries again, from the query cache): p50={statistics.median(warm):.3f}ms "
        f"p95={_p95(warm):.3f}ms\n"
        f"  upsert+search={upsert_ms:.1f}ms\n"
        f"  peak RSS: {rss_model:.0f} MB after loading the model, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB with the index built and searched"
    )
    if emb_ms:
        print(f"  of the cold searches: query embedding p50={statistics.median(emb_ms):.2f}ms p95={_p95(emb_ms):.2f}ms;"
              f" the rest of the search p50={statistics.median(rest_ms):.2f}ms p95={_p95(rest_ms):.2f}ms")


def _p95(lat: list[float]) -> float:
    return lat[int(0.95 * (len(lat) - 1))]


if __name__ == "__main__":
    main()
