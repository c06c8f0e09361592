"""Reading a long pasted message for its symptom: greetings, who-I-am, what-I-tried and pleas are dropped.

People in trouble write three to five sentences: a greeting, who they are, the symptom, what they tried, a plea.
Only the symptom (and the question) says which article is meant; the rest dilutes both the lexical coverage and
the sentence vector. Rules, not a model: each dropped kind has its own cue, and a message that would lose every
sentence is kept whole.
"""

from __future__ import annotations

import re

from kb.search.stopwords import STOP_WORDS, WEAK_WORDS
from kb.search.text import words

# A sentence ends at . ! ? or a line break; «...» and ellipses stay inside.
_SPLIT_RE = re.compile(r"(?<=[.!?…])\s+|\n+")
# Filler that is neither a stop word nor a weak word in search, yet never states a problem on its own.
_PLEA = frozenset(
    """
    делать дальше быть смотреть куда проверить значит сделать исправить решить пользоваться расскажите объясните
    быстро срочно очень шагам инструкция подсказать помогите подскажите пожалуйста спасибо заранее всем всех
    поддержка уважаемая уважаемые коллеги привет здравствуйте благодарю дело чем
    """.split()
)
_SELF_RE = re.compile(
    r"^(меня зовут|я\s+(\w+\s+){0,2}(сотрудник|сотрудница|оператор|менеджер|администратор|супервайзер|руководитель|"
    r"бухгалтер|диспетчер|инженер|специалист|работаю|вернулся|вернулась|вышел|вышла)|мы\s+(\w+\s+){0,1}"
    r"(диспетчерская|компания|отдел|бухгалтерия|филиал)|работаю\s)",
)
_TRIED_RE = re.compile(
    r"\b(пробовал\w*|попробовал\w*|перезагружал\w*|перезапускал\w*|перегружал\w*|переустанавливал\w*|"
    r"не помогло|не помогает|руководитель сказал|сказали написать)\b"
)

# Words that state a problem: a sentence with one is a symptom whoever it starts with («я вернулся … и не могу»).
_PROBLEM_RE = re.compile(r"\b(не|нет|ошибк\w*|пишет|перестал\w*|пропал\w*|заблокир\w*|висит|выдает)\b")


def sentences(text: str) -> list[str]:
    """The message cut into sentences (empty pieces dropped)."""
    return [s.strip() for s in _SPLIT_RE.split(text) if s.strip()]


def _kind(sentence: str) -> str:
    low = sentence.lower().replace("ё", "е")
    ws = words(low)
    if not [w for w in ws if w not in STOP_WORDS and w not in WEAK_WORDS and w not in _PLEA]:
        return "plea"  # a greeting, thanks, «подскажите, что делать?»
    if _SELF_RE.search(low) and not _PROBLEM_RE.search(low):
        return "self"
    if _TRIED_RE.search(low):
        return "tried"
    return "symptom"


def symptom_text(text: str) -> str:
    """The sentences of a message that state the problem; a short or all-context message comes back whole."""
    parts = sentences(text)
    if len(parts) < 3:
        return text
    kept = [s for s in parts if _kind(s) == "symptom"]
    return " ".join(kept) if kept else text
