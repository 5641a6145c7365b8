"""What a citizen's key or spoken word means on the survey call (回访), and the speech fallback.

Speech goes through a small vosk grammar (the answer words plus "[unk]"), so anything else comes out
as "[unk]" rather than the nearest answer. It runs in a separate process (the survey call's
recognizer pool), never on the SIP or flow thread.
"""

from __future__ import annotations

import array
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RESOLVED, SATISFACTION = "resolved", "satisfaction"
QUESTIONS = (RESOLVED, SATISFACTION)
PROMPT_TEXTS = {
    "survey_resolved": "您反映的问题是否已解决？已解决请按1，未解决请按2。",
    "survey_satisfaction": "您对办理结果是否满意？满意请按1，基本满意请按2，不满意请按3。",
    "survey_repeat": "对不起，没有听清您的回答。",
    "survey_thanks": "感谢您的配合，再见。",
}
KEYS: dict[str, dict[str, Any]] = {
    RESOLVED: {"1": True, "2": False},
    SATISFACTION: {"1": "satisfied", "2": "basically_satisfied", "3": "unsatisfied"},
}
# Longest phrase first: "不满意" and "基本满意" both contain "满意", "未解决" contains "解决".
SPOKEN: dict[str, tuple[tuple[str, Any], ...]] = {
    RESOLVED: (
        ("没有解决", False),
        ("没解决", False),
        ("未解决", False),
        ("已解决", True),
        ("解决了", True),
        ("不是", False),
        ("否", False),
        ("是", True),
    ),
    SATISFACTION: (
        ("基本满意", "basically_satisfied"),
        ("不满意", "unsatisfied"),
        ("满意", "satisfied"),
    ),
}


def key_answer(question: str, digit: str) -> Any | None:
    return KEYS[question].get(digit)


Phrases = Mapping[str, tuple[tuple[str, Any], ...]]


def spoken_answer(question: str, text: str, spoken: Phrases = SPOKEN) -> Any | None:
    """The answer a recognised text gives, or None ("[unk]", silence, something else)."""
    compact = text.replace(" ", "").replace("[unk]", "")
    for phrase, answer in spoken[question]:
        if phrase in compact:
            return answer
    return None


@dataclass(frozen=True)
class Heard:
    """What the recognizer made of one answer window (kept in the attempt's event for review)."""

    question: str
    seconds: float  # of audio recorded from the citizen
    level_dbfs: float  # RMS level of that audio: shows whether the citizen said anything at all
    text: str
    answer: Any | None
    model: str | None  # None: no Chinese model installed, nothing could be understood

    def as_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "seconds": round(self.seconds, 2),
            "level_dbfs": round(self.level_dbfs, 1),
            "text": self.text,
            "answer": self.answer,
            "model": self.model,
        }


WAV_HEADER = 44


def recognise(question: str, wav: str, model_path: str | None, rate: int, spoken: Phrases = SPOKEN) -> Heard:
    """Decode one answer window against the question's grammar (runs in the recognizer process).

    `wav` is a pjmedia recording at the bridge's `rate`. Its header sizes are written only when the
    conference bridge closes the port, which it does on its own clock tick after the recorder is
    dropped (telephony-notes §4): so the samples are read past the header, to the end of the file.
    """
    from voice_models.audio import duration_s
    from voice_models.recognizer import load_model, prepare_grammar
    from voice_models.session import final_text, transcribe_pcm

    path = Path(wav)
    try:
        data = path.read_bytes()[WAV_HEADER:] if path.exists() else b""
    finally:
        path.unlink(missing_ok=True)  # the answer audio is not kept: the event holds what was heard
    pcm = data[: len(data) - len(data) % 2]
    seconds, level = (duration_s(pcm, rate), level_dbfs(pcm)) if pcm else (0.0, SILENCE_DBFS)
    if not model_path or not pcm:
        return Heard(question, seconds, level, "", None, model_path and Path(model_path).name)
    model = load_model(model_path)
    grammar = prepare_grammar(model, [phrase for phrase, _ in spoken[question]])
    text = final_text(transcribe_pcm(model, pcm, rate, grammar=grammar)).strip()
    answer = spoken_answer(question, text, spoken)
    return Heard(question, seconds, level, text, answer, Path(model_path).name)


SILENCE_DBFS = -96.0


def level_dbfs(pcm: bytes) -> float:
    samples = array.array("h", pcm[: len(pcm) - len(pcm) % 2])
    if not samples:
        return SILENCE_DBFS
    mean_square = sum(s * s for s in samples) / len(samples)
    return max(SILENCE_DBFS, 10 * math.log10(mean_square / 32768**2)) if mean_square else SILENCE_DBFS
