"""Reading long pasted messages for their symptom, and service names that are not the problem's words."""

from __future__ import annotations

from kb.search import ArticleDoc, SearchIndex
from kb.search.symptoms import symptom_text
from kb.search.text import SERVICE_WEIGHT, term_weight


def test_greeting_self_introduction_tried_and_plea_are_dropped() -> None:
    q = ("Добрый день! Меня зовут Ольга, я работаю в бухгалтерии на третьем этаже. С сегодняшнего утра мой принтер "
         "перестал печатать, в очереди висят три документа. Перезагружала компьютер, не помогло. Подскажите, что "
         "делать?")
    assert symptom_text(q) == "С сегодняшнего утра мой принтер перестал печатать, в очереди висят три документа."


def test_a_self_introduction_that_states_the_problem_is_kept() -> None:
    q = ("Здравствуйте, коллеги. Я вчера вернулся из отпуска и не могу зайти в систему — пишет, что учётная запись "
         "заблокирована. Помогите, пожалуйста, очень срочно нужно.")
    assert "учётная запись заблокирована" in symptom_text(q)


def test_short_message_and_all_context_message_come_back_whole() -> None:
    assert symptom_text("Добрый день. Принтер не печатает") == "Добрый день. Принтер не печатает"
    whole = "Здравствуйте. Спасибо заранее. Подскажите, пожалуйста."
    assert symptom_text(whole) == whole


def test_service_names_count_little() -> None:
    assert term_weight("clm") == term_weight("текон") == term_weight("омничат") == SERVICE_WEIGHT
    assert term_weight("кампания") == 1.0


def test_service_name_and_one_shared_noun_do_not_make_an_offer() -> None:
    # Regression: «CLM: как удалить кампанию из архива» was half answered by an unrelated CLM article.
    index = SearchIndex(threshold=0.5)
    index.rebuild([ArticleDoc(id=1, title="CLM: кампания не запускается по расписанию",
                              body="Проверьте статус кампании и время запуска.", tags=("clm", "кампания"))])
    assert index.search("CLM: как удалить кампанию из архива") == []
    assert index.search("CLM кампания не запускается по расписанию")[0].id == 1
