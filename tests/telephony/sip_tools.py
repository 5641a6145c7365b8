"""Real SIP peers for the acceptance tests: sipp callers and agent phones, a telephony worker process,
and the audio checks (energy, correlation) used on what they recorded."""

from __future__ import annotations

import array
import math
import os
import shutil
import subprocess
import sys
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CALLER_NUMBER = "13812345678"  # a valid China Mobile number: region and carrier for the screen pop


def sipp_binary() -> str:
    found = shutil.which("sipp")
    if found is None:
        raise RuntimeError("sipp missing: run `make setup` (Debian sip-tester)")
    return found


def caller_scenario(
    folder: Path,
    *,
    talk_ms: int,
    audio: Path | None = None,
    digits: str = "",
    hotline_hangs_up: bool = False,
    accepts_refer: bool = False,
) -> Path:
    """A caller scenario file: plays `audio` (raw mu-law 8 kHz) and/or DTMF `digits`, then hangs up
    after `talk_ms` (or waits that long for the hotline's BYE)."""
    media = []
    if audio is not None:
        media.append(f'  <nop><action><exec rtp_stream="{audio},1,0"/></action></nop>')
    if digits:
        pcap = dtmf_pcap(digits, folder / f"dtmf-{time.monotonic_ns()}.pcap")
        media.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>')
    end_part = "hotline_hangs_up.xml.part" if hotline_hangs_up else "caller_hangs_up.xml.part"
    if accepts_refer:  # a blind transfer: 202, NOTIFY "200 OK" (the new call worked), then our BYE
        end_part = "caller_refer.xml.part"
    text = (HERE / "caller.xml").read_text()
    text = text.replace("{media}", "\n".join(media)).replace("{end}", (HERE / end_part).read_text())
    text = text.replace("{caller}", CALLER_NUMBER).replace("{talk_ms}", str(talk_ms))
    path = folder / f"caller-{time.monotonic_ns()}.xml"
    path.write_text(text)
    return path


def agent_scenario(
    folder: Path,
    *,
    ring_ms: int = 300,
    talk_ms: int = 60000,
    busy: bool = False,
    digits: str = "",
    audio: Path | None = None,
) -> Path:
    """A phone that rings and answers (the agent's, or a citizen's on an outbound call); `digits` are
    keyed after the answer (RFC 2833 on PT 121, what pjsua offers: telephony-notes P7), `audio` (raw
    mu-law 8 kHz) is spoken after the answer."""
    source = HERE / ("agent_busy.xml" if busy else "agent.xml")
    text = source.read_text().replace("{ring_ms}", str(ring_ms)).replace("{talk_ms}", str(talk_ms))
    keys = ""
    if digits:
        pcap = dtmf_pcap(digits, folder / f"keys-{time.monotonic_ns()}.pcap", pt=121)
        keys = f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>'
    if audio is not None:
        keys += f'\n  <nop><action><exec rtp_stream="{audio},1,0"/></action></nop>'
    text = text.replace("{keys}", keys)
    path = folder / f"agent-{time.monotonic_ns()}.xml"
    path.write_text(text)
    return path


def dtmf_pcap(digits: str, target: Path, *, gap_s: float = 0.4, start_s: float = 1.0, pt: int = 101) -> Path:
    """RFC 2833 events (PT 101) for `digits` as a pcap for sipp's play_pcap_audio. Sipp's shipped
    per-digit pcaps all carry the same RTP timestamp, so a repeated digit ("00") is taken for the
    same event and dropped; here every digit is its own event."""
    import struct

    codes = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    sequence = 0

    def packet(at: float, marker: bool, timestamp: int, event: int, end: bool, duration: int) -> None:
        nonlocal sequence
        sequence += 1
        rtp = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, sequence, timestamp, 0x12345678)
        rtp += struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
        udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = (
            struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                20 + len(udp),
                sequence,
                0,
                64,
                17,
                0,
                bytes([127, 0, 0, 1]),
                bytes([127, 0, 0, 1]),
            )
            + udp
        )
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        seconds = int(at)
        out.append(struct.pack("<IIII", seconds, int((at - seconds) * 1e6), len(frame), len(frame)) + frame)

    for index, digit in enumerate(digits):
        begin = start_s + index * gap_s
        timestamp = int(begin * 8000)
        for step in range(8):
            packet(begin + step * 0.02, step == 0, timestamp, codes[digit], False, 160 * (step + 1))
        for step in range(3):  # the end packet, sent three times as RFC 4733 asks
            packet(begin + (8 + step) * 0.02, False, timestamp, codes[digit], True, 160 * 9)
    target.write_bytes(b"".join(out))
    return target


@dataclass
class Sipp:
    """One sipp process; `wait()` returns its exit code (0: every call succeeded)."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_sipp(
    scenario: Path,
    folder: Path,
    *,
    target: str | None = None,
    calls: int = 1,
    limit: int = 1,
    rate: float = 10,
    echo: bool = False,
    extra: tuple[str, ...] = (),
) -> Sipp:
    port, media_port = free_port(), _even_free_port()
    args = [
        sipp_binary(),
        "-sf",
        str(scenario),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-mi",
        "127.0.0.1",
        "-mp",
        str(media_port),
        "-m",
        str(calls),
        "-l",
        str(limit),
        "-r",
        str(rate),
        "-nostdin",
        "-timeout",
        "90s",
        "-timeout_error",
        *extra,
    ]
    if echo:
        args.append("-rtp_echo")
    if target is not None:
        args.append(target)
    log = folder / f"sipp-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    return Sipp(process, log, port)


def _even_free_port() -> int:
    """RTP wants an even port with the odd one above it free (RTCP). Linux's bind(0) hands out odd
    ports, so try the even port just below one."""
    import socket

    while True:
        port = free_port() & ~1
        try:
            with (
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp,
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtcp,
            ):
                rtp.bind(("127.0.0.1", port))
                rtcp.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> int | None:
        """SIGTERM; the exit code when it was still running (None when it had died before)."""
        if self.process.poll() is not None:
            return None
        self.process.terminate()
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(env: dict[str, str], index: int, folder: Path, ready_timeout: float = 60) -> WorkerProcess:
    log = folder / f"worker-{index}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "telephony", "--worker", str(index)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    port = int(env["HOTLINE_TELEPHONY_BASE_PORT"]) + index
    worker = WorkerProcess(process, port, log, env)
    deadline = time.monotonic() + ready_timeout
    while f"on 127.0.0.1:{port}" not in worker.output():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise RuntimeError(f"telephony worker {index} did not start:\n{worker.output()[-3000:]}")
        time.sleep(0.1)
    return worker


# -- audio ------------------------------------------------------------------------------------------
def to_mulaw(wav: Path, target: Path, *, pad_start_s: float = 0.0, pad_end_s: float = 0.0) -> Path:
    """Raw 8 kHz mu-law for sipp's rtp_stream, optionally padded with silence."""
    subprocess.run(
        [
            "sox",
            str(wav),
            "-r",
            "8000",
            "-c",
            "1",
            "-t",
            "ul",
            str(target),
            "pad",
            str(pad_start_s),
            str(pad_end_s),
        ],
        check=True,
    )
    return target


def read_pcm(path: Path, rate: int = 16000) -> array.array:
    """16-bit samples of a WAV, resampled with sox to `rate` when needed."""
    with wave.open(str(path), "rb") as wav:
        if wav.getframerate() == rate and wav.getnchannels() == 1 and wav.getsampwidth() == 2:
            samples = array.array("h", wav.readframes(wav.getnframes()))
            return samples
    converted = subprocess.run(
        ["sox", str(path), "-r", str(rate), "-c", "1", "-b", "16", "-t", "raw", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return array.array("h", converted)


def ulaw_reference(path: Path, rate: int = 16000) -> array.array:
    """What a caller streaming this mu-law file actually sends, at the bridge's rate (band-limited
    to 8 kHz telephony, as the recordings are)."""
    converted = subprocess.run(
        [
            "sox",
            "-t",
            "ul",
            "-r",
            "8000",
            "-c",
            "1",
            str(path),
            "-r",
            str(rate),
            "-b",
            "16",
            "-t",
            "raw",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return array.array("h", converted)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def best_correlation(
    recorded: array.array, reference: array.array, rate: int = 16000, window_s: float = 1.0
) -> float:
    """Normalised cross-correlation of the loudest 1 s of the reference against the recording, at the
    best lag (the recording starts earlier or later than the reference by an unknown delay)."""
    import numpy as np
    from scipy.signal import correlate

    rec = np.asarray(recorded, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    size = int(window_s * rate)
    if len(rec) < size or len(ref) < size:
        return 0.0
    step = size // 4
    energies = [float(np.sum(ref[i : i + size] ** 2)) for i in range(0, len(ref) - size, step)]
    start = int(np.argmax(energies)) * step
    window = ref[start : start + size] - ref[start : start + size].mean()
    raw = correlate(rec, window, mode="valid", method="fft")
    # Energy of each recording window of `size` samples, for the normalisation.
    cumulative = np.concatenate(([0.0], np.cumsum(rec * rec)))
    sums = np.concatenate(([0.0], np.cumsum(rec)))
    energy = (cumulative[size:] - cumulative[:-size]) - (sums[size:] - sums[:-size]) ** 2 / size
    norm = np.sqrt(np.maximum(energy, 1e-9) * float(np.sum(window * window)))
    return float(np.max(raw / norm))
