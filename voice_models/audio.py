"""Minimal PCM helpers: read 16-bit mono WAV files and cut PCM into batches."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """(pcm, sample_rate) of a 16-bit mono PCM WAV file; anything else is refused, not converted."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2 or wav.getcomptype() != "NONE":
            raise ValueError(
                f"{path}: need 16-bit mono PCM WAV (convert with: sox in.wav -b 16 -c 1 out.wav)"
            )
        return wav.readframes(wav.getnframes()), wav.getframerate()


def batches(pcm: bytes, sample_rate: int, batch_ms: int = 100) -> Iterator[bytes]:
    """Consecutive batches of ``batch_ms`` (the last one may be shorter)."""
    step = sample_rate * batch_ms // 1000 * 2
    for start in range(0, len(pcm), step):
        yield pcm[start : start + step]


def duration_s(pcm: bytes, sample_rate: int) -> float:
    return len(pcm) / 2 / sample_rate
