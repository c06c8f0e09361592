"""One МРФ however it is written: the profile's button, an administrator's plain name, stray case and spaces."""

from __future__ import annotations

import pytest

from core.catalog.intake import region_key, same_region


@pytest.mark.parametrize(("a", "b"), [("МРФ Урал", "Урал"), ("  мрф  урал ", "УРАЛ"), ("МРФ Дальний Восток",
                                      "дальний  восток"), ("MRF Волга", "Волга"), ("КЦ", "кц")])
def test_the_same_mrf_however_written(a: str, b: str) -> None:
    assert same_region(a, b)


@pytest.mark.parametrize(("a", "b"), [("МРФ Урал", "МРФ Сибирь"), ("", ""), (None, "Урал"), ("МРФ", "")])
def test_different_or_empty_regions_do_not_match(a: str | None, b: str | None) -> None:
    assert not same_region(a, b)


def test_the_key_drops_only_a_leading_mrf() -> None:
    assert region_key("Урал МРФ") == "урал мрф"
