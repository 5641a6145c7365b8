"""Character error rate (CER) for Chinese transcripts.

Both sides are normalised first, because vosk emits space-separated words without punctuation while
reference transcripts carry full-width punctuation: NFKC folds full-width letters/digits to ASCII,
letters are lower-cased, recogniser tags such as ``[unk]`` are dropped, and every whitespace,
punctuation and symbol character is removed. Numbers are not converted (一二 ≠ 12); references in
this project's samples spell them out as spoken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_TAG_RE = re.compile(r"\[[^\]]*\]|<[^>]*>")
_DROP_CATEGORIES = ("P", "S", "Z", "C")  # punctuation, symbols, separators, control/format


def normalize_text(text: str) -> str:
    folded = unicodedata.normalize("NFKC", _TAG_RE.sub(" ", text)).lower()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROP_CATEGORIES))


@dataclass(frozen=True, slots=True)
class CerResult:
    substitutions: int
    deletions: int
    insertions: int
    reference_chars: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def cer(self) -> float:
        if self.reference_chars == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.reference_chars


def align(reference: str, hypothesis: str) -> CerResult:
    """Levenshtein alignment of two already-normalised strings, with S/D/I counts."""
    rows, cols = len(reference), len(hypothesis)
    # cost[i][j] = (edits, subs, dels, ins) for reference[:i] vs hypothesis[:j]; ties prefer fewer edits
    prev = [(j, 0, 0, j) for j in range(cols + 1)]
    for i in range(1, rows + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, cols + 1):
            e, s, d, n = prev[j - 1]
            same = reference[i - 1] == hypothesis[j - 1]
            best = (e, s, d, n) if same else (e + 1, s + 1, d, n)
            e, s, d, n = prev[j]
            best = min(best, (e + 1, s, d + 1, n))
            e, s, d, n = cur[j - 1]
            best = min(best, (e + 1, s, d, n + 1))
            cur.append(best)
        prev = cur
    _, subs, dels, ins = prev[cols]
    return CerResult(subs, dels, ins, rows)


def cer(reference: str, hypothesis: str) -> float:
    """CER of one utterance after normalisation (errors / reference characters)."""
    return align(normalize_text(reference), normalize_text(hypothesis)).cer


def corpus_cer(pairs: Iterable[tuple[str, str]]) -> CerResult:
    """Pooled CER over (reference, hypothesis) pairs: total errors / total reference characters."""
    subs = dels = ins = chars = 0
    for reference, hypothesis in pairs:
        result = align(normalize_text(reference), normalize_text(hypothesis))
        subs += result.substitutions
        dels += result.deletions
        ins += result.insertions
        chars += result.reference_chars
    return CerResult(subs, dels, ins, chars)
