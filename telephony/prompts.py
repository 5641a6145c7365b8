"""Voice prompts: WAV files in `<data dir>/telephony/prompts/`, one per name below.

Defaults are synthesised at set-up with Debian's espeak-ng (voice `cmn-latn-pinyin`: the plain `cmn`
voice reads Latin letters as English) and converted by sox to 16 kHz mono; a file already present is
never overwritten, so a city replaces any prompt with a studio recording of the same name.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from telephony.survey_answers import PROMPT_TEXTS as SURVEY_PROMPTS
from ticketing.vocabulary import TicketStatus

VOICE = "cmn-latn-pinyin"
RATE = 16000

DEFAULT_TEXTS: dict[str, str] = {
    "welcome": "您好，这里是12345政务服务便民热线。查询工单进度请按1，其他事项请稍候，正在为您转接话务员。",
    "queue": "话务员正忙，请稍候。",
    "leader_session": "您好，这里是12345政务服务便民热线。今天是领导在线接听日，正在为您转接领导，请稍候。",
    "voicemail": "现在没有空闲的话务员。请在提示音后留言，说明您的诉求和联系方式，我们会尽快给您回电。",
    "beep": "",  # a tone, not speech
    "progress_enter": "请输入工单编号，以井号键结束。",
    "progress_not_found": "没有找到这个工单，请核对后再拨。",
    "progress_status": "您的工单当前状态是：",
    "transfer": "正在为您转接紧急服务，请不要挂机。",
    "goodbye": "感谢您的来电，再见。",
}


DEFAULT_TEXTS.update(SURVEY_PROMPTS)
# One fragment per ticket status, spoken after "progress_status" (e.g. "status_in_progress": 办理中).
DEFAULT_TEXTS.update({f"status_{status.value}": status.label for status in TicketStatus})


class PromptError(RuntimeError):
    pass


def prompts_dir(telephony_dir: Path) -> Path:
    return telephony_dir / "prompts"


def prompt_path(telephony_dir: Path, name: str) -> Path:
    return prompts_dir(telephony_dir) / f"{name}.wav"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PromptError(f"{name} not found: install Debian's {name} (make setup does)")
    return found


def synthesise(text: str, target: Path) -> None:
    """Speech from text (or a 0.4 s 1 kHz beep for empty text), 16 kHz mono 16-bit, written atomically."""
    sox = _tool("sox")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        raw, out = Path(work) / "raw.wav", Path(work) / "out.wav"
        if text:
            subprocess.run(
                [_tool("espeak-ng"), "-v", VOICE, "-w", str(raw), text], check=True, capture_output=True
            )
            subprocess.run([sox, str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True)
        else:
            subprocess.run(
                [
                    sox,
                    "-n",
                    "-r",
                    str(RATE),
                    "-c",
                    "1",
                    "-b",
                    "16",
                    str(out),
                    "synth",
                    "0.4",
                    "sine",
                    "1000",
                    "vol",
                    "0.3",
                ],
                check=True,
            )
        out.replace(target)


def ensure_prompts(telephony_dir: Path) -> list[Path]:
    """Synthesise the missing default prompts; returns the files created."""
    created = []
    for name, text in DEFAULT_TEXTS.items():
        path = prompt_path(telephony_dir, name)
        if not path.exists():
            synthesise(text, path)
            created.append(path)
    return created


def duration_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
