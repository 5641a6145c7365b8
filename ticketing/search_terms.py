"""The terms of the full-text index: overlapping character pairs (bigrams) of normalised text.

Chinese has no spaces, and a search for two characters (停车, 噪音) must find them inside any longer
word, so whole-word tokens (jieba) miss too much and trigrams cannot index a two-character query.
Every run of letters and digits becomes its overlapping pairs; a query of two or more characters is
the phrase of its pairs, which is exactly "contains this text" on the normalised string — the same
answer on SQLite (FTS5) and PostgreSQL (tsvector), both served by an inverted index.
"""

from __future__ import annotations

import re
import unicodedata

# Runs of word characters; everything else (punctuation, spaces, symbols) separates runs.
_RUN = re.compile(r"[^\W_]+")
MAX_QUERY_CHARS = 100
# Between runs in a document, so that a phrase never matches across a boundary ("…下水" + "水道…"
# is not "下水道"). A private-use character: queries are built from word characters only, so no query
# can contain it.
GAP = "\ue000"


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII) and lower case, so 'ＡＢ１' finds 'ab1'."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    return _RUN.findall(normalise(text))


def bigrams(run: str) -> list[str]:
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_terms(*fields: str | None) -> list[str]:
    """The indexed terms of a document, in order (positions matter for phrase queries), with GAP
    between runs."""
    terms: list[str] = []
    for field in fields:
        for run in runs(field or ""):
            if terms:
                terms.append(GAP)
            terms.extend(bigrams(run))
    return terms


def query_phrases(query: str) -> list[list[str]]:
    """One phrase of bigrams per run of the query; every phrase must match (AND).

    A one-character run cannot be looked up in a bigram index: it is returned as a phrase of that
    single character and the caller decides how to match it (a substring scan).
    """
    return [bigrams(run) for run in dict.fromkeys(runs(query[:MAX_QUERY_CHARS]))]
