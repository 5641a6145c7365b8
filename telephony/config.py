"""What a telephony worker is told at start (built from the hotline settings by hotline.telephony_setup,
so this package never imports the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from telephony.flow import FlowConfig

# The PyPI wheel holds 4 legs; a caller needs room for its agent leg, so at most 2 callers.
MAX_LEGS = 4


@dataclass(frozen=True)
class StackConfig:
    sip_port: int
    rtp_port: int
    rtp_port_range: int = 200
    max_callers: int = MAX_LEGS // 2
    no_media_seconds: float = 10.0
    tap_frames: int = 5  # 100 ms batches to the recognizer (one hand-off per frame costs 2x CPU, §4)
    user_agent: str = "hotline-12345"
    log_file: str = ""


@dataclass(frozen=True)
class WorkerConfig:
    name: str
    redis_url: str
    telephony_dir: Path
    flow: FlowConfig
    stack: StackConfig
    voice_model: str | None  # None: no live transcript
