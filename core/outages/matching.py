"""Does a user's free text describe an open outage? Word overlap with its title, what does not work and its
services' names, read by the caller's analyzer (the knowledge base's stemmer and synonyms)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from core.outages.models import Outage

Terms = Callable[[str], set[str]]
MIN_SHARED = 2  # two content words in common («наряды» + «открываются»); a service name counts as one


@dataclass(frozen=True, slots=True)
class OutageMatch:
    outage: Outage
    service_code: str  # the service the text names, else the outage's first one
    shared: int


def match_outages(text: str, outages: Iterable[Outage], *, terms: Terms,
                  service_names: Mapping[str, Sequence[str]]) -> list[OutageMatch]:
    """The open outages the text shares enough words with, best first."""
    said = terms(text)
    if not said:
        return []
    found: list[OutageMatch] = []
    for o in outages:
        own = terms(f"{o.title} {o.what}")
        shared = len(said & own)
        named = [c for c in (o.services or []) if any(terms(n) and terms(n) <= said for n in service_names.get(c, ()))]
        if named:
            shared += 1
        if shared >= MIN_SHARED:
            found.append(OutageMatch(o, named[0] if named else (o.services or [""])[0], shared))
    return sorted(found, key=lambda m: -m.shared)
