"""StreamingSession and RecognizerPool logic with a scripted fake recognizer (no vosk needed)."""

import json

import pytest

from voice_models import recognizer as recognizer_module
from voice_models.recognizer import RecognizerPool
from voice_models.session import BadFrameError, SessionClosedError, StreamingSession

BATCH = b"\x01\x00" * 1600  # 100 ms at 16 kHz


class FakeRecognizer:
    """Returns scripted results: each AcceptWaveform pops (endpoint, text)."""

    def __init__(self, script=(), final="", words_at=0.0):
        self.script = list(script)
        self.final = final
        self.words_at = words_at
        self.fed = 0
        self.resets = 0
        self.fail = False
        self._current = ""

    def AcceptWaveform(self, data):
        if self.fail:
            raise RuntimeError("Failed to process waveform")
        self.fed += len(data)
        endpoint, self._current = self.script.pop(0) if self.script else (False, self._current)
        return endpoint

    def _result(self, text):
        words = [
            {"word": w, "start": self.words_at + i, "end": self.words_at + i + 0.5, "conf": 0.9}
            for i, w in enumerate(text.split())
        ]
        return json.dumps({"text": text, "result": words} if words else {"text": text})

    def Result(self):
        return self._result(self._current)

    def PartialResult(self):
        return json.dumps({"partial": self._current})

    def FinalResult(self):
        return self._result(self.final)

    def Reset(self):
        self.resets += 1


def test_partials_only_when_changed_then_final_and_ended():
    rec = FakeRecognizer(
        [(False, ""), (False, "我 想"), (False, "我 想"), (False, "我 想 投诉"), (True, "我 想 投诉")],
        final="噪音",
    )
    session = StreamingSession(rec, "c1")
    events = [e for _ in range(5) for e in session.accept(BATCH, batch_sent_at=1.0)]
    assert [(e.kind, e.text) for e in events] == [
        ("partial", "我 想"),
        ("partial", "我 想 投诉"),
        ("final", "我 想 投诉"),
    ]
    assert events[0].audio_offset_s == pytest.approx(0.2)
    assert events[0].batch_sent_at == 1.0 and events[0].call_id == "c1"
    assert events[2].words[-1].word == "投诉" and events[2].audio_offset_s == pytest.approx(2.5)
    tail = session.finish()
    assert [(e.kind, e.text) for e in tail] == [("final", "噪音"), ("ended", "")]
    stats = tail[-1].stats
    assert (
        stats.audio_s == pytest.approx(0.5)
        and stats.batches == 5
        and stats.partials == 2
        and stats.finals == 2
    )
    assert session.finish() == []
    with pytest.raises(SessionClosedError):
        session.accept(BATCH)


@pytest.mark.parametrize("bad", [b"", b"\x00\x00\x00", "text", 12345, b"\x00" * (16000 * 2 * 6)])
def test_bad_frames_are_rejected_and_the_session_survives(bad):
    session = StreamingSession(FakeRecognizer([(False, "好")]), "c1")
    with pytest.raises(BadFrameError):
        session.accept(bad)
    assert [e.text for e in session.accept(memoryview(BATCH))] == ["好"]
    assert session.stats().bad_batches == 1 and session.stats().batches == 1


def test_word_times_are_relative_to_the_session_on_a_reused_recognizer():
    rec = FakeRecognizer([(True, "你好")], words_at=100.0)
    session = StreamingSession(rec, "c1", time_base_s=99.5)
    (final,) = session.accept(BATCH)
    assert final.words[0].start == pytest.approx(0.5) and final.audio_offset_s == pytest.approx(1.0)


def test_pool_reuses_resets_retires_and_drops_failed(monkeypatch):
    created = []

    def fake_create(model, sample_rate, grammar=None, words=True, **kw):
        created.append(FakeRecognizer())
        return created[-1]

    monkeypatch.setattr(recognizer_module, "create_recognizer", fake_create)
    pool = RecognizerPool(model=None, sample_rate=16000, max_idle=1, retire_after_s=10.0)  # type: ignore[arg-type]

    first = StreamingSession.from_pool(pool, "a")
    first.accept(BATCH)
    first.finish()
    assert pool.idle == 1 and created[0].resets == 1

    second = StreamingSession.from_pool(pool, "b")  # the same recognizer, time base 0.1 s
    assert len(created) == 1 and second._time_base_s == pytest.approx(0.1)
    third = StreamingSession.from_pool(pool, "c")  # pool empty: a new one
    assert len(created) == 2
    second.finish()
    third.finish()
    assert pool.idle == 1  # max_idle: the surplus one is freed

    broken = StreamingSession.from_pool(pool, "d")
    created[0].fail = True
    with pytest.raises(RuntimeError):
        broken.accept(BATCH)
    broken.finish()
    assert pool.idle == 0  # a recognizer that raised is not reused

    worn = StreamingSession.from_pool(pool, "e")
    for _ in range(101):
        worn.accept(BATCH)
    worn.finish()
    assert pool.idle == 0  # retired after 10 s of audio
