"""Unit tests of the small pieces: the ByteVector fast copy, the teardown wrapper, caller parsing, the
generated Kamailio config (checked by kamailio itself)."""

from __future__ import annotations

import subprocess

import pytest

from hotline.config import ConfigError, load_settings
from hotline.telephony_setup import edge_config, parse_emergency, worker_config
from telephony.flow import caller_details
from telephony.kamailio import command, dispatcher_list, write_config
from telephony.teardown import Registry, destroy_port, guarded


def test_fast_copy_round_trips_a_swig_byte_vector():
    pj = pytest.importorskip("pjsua2")
    from telephony.framecopy import vec_bytes, vec_set

    vector = pj.ByteVector()
    data = bytes(range(256)) * 3
    vec_set(vector, data)
    assert len(vector) == len(data)
    assert bytes(vector) == data  # the slow, element-wise path agrees
    assert vec_bytes(vector) == data
    vec_set(vector, b"")
    assert vec_bytes(vector) == b""


def test_destroy_port_runs_the_cpp_destructor_first_and_once():
    calls = []

    class Port:
        thisown = True

    port = Port()
    destroy_port(port, destroy=calls.append)
    destroy_port(port, destroy=calls.append)
    destroy_port(None, destroy=calls.append)
    assert calls == [port] and port.thisown is False


def test_destroy_port_on_a_real_audio_media_port():
    pj = pytest.importorskip("pjsua2")
    port = pj.AudioMediaPort()
    destroy_port(port)
    assert not port.thisown


def test_registry_holds_the_only_reference_until_dropped():
    registry: Registry[object] = Registry()
    leg = object()
    registry.add("a", leg)
    with pytest.raises(KeyError):
        registry.add("a", object())
    assert registry.get("a") is leg and list(registry) == ["a"]
    assert registry.drop("a") is leg and registry.drop("a") is None and len(registry) == 0


def test_guarded_callbacks_never_raise(caplog):
    @guarded("onCallState")
    def explode(self):
        raise RuntimeError("boom")

    explode(None)
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    ("uri", "e164"),
    [
        ('"citizen" <sip:13812345678@127.0.0.1>', "+8613812345678"),
        ("<sip:+8613812345678@gw;user=phone>", "+8613812345678"),
        ("sip:01012345678@10.0.0.1", "+861012345678"),
        ("<sip:anonymous@anonymous.invalid>", None),
        ("<sip:123@127.0.0.1>", None),
    ],
)
def test_caller_details_from_the_from_uri(uri, e164):
    number, details = caller_details(uri)
    assert number == e164
    if e164 == "+8613812345678":
        assert details["carrier"] == "中国移动" and details["region"]


def test_emergency_uris_setting():
    assert parse_emergency("110=sip:110@gw, 119=sip:119@gw:5060") == {
        "110": "sip:110@gw",
        "119": "sip:119@gw:5060",
    }
    assert parse_emergency("") == {}


def test_kamailio_config_is_generated_from_settings_and_accepted(tmp_path):
    settings = load_settings(
        environ={
            "HOTLINE_DATA_DIR": str(tmp_path),
            "HOTLINE_SIP_PORT": "5099",
            "HOTLINE_TELEPHONY_WORKERS": "3",
            "HOTLINE_TELEPHONY_BASE_PORT": "6000",
            "HOTLINE_SIP_ALLOWED_NETWORKS": "127.0.0.0/8, 10.1.0.0/16",
        }
    )
    config = edge_config(settings)
    assert dispatcher_list(config) == "1 sip:127.0.0.1:6001\n1 sip:127.0.0.1:6002\n1 sip:127.0.0.1:6003\n"
    path = write_config(config)
    text = path.read_text()
    assert "listen=udp:127.0.0.1:5099" in text
    assert "src_ip==127.0.0.0/8 || src_ip==10.1.0.0/16" in text
    check = subprocess.run(
        [*command(config, path)[:-2], "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert "config file ok" in check.stderr + check.stdout, check.stderr[-2000:]


def test_bad_acl_network_is_a_config_error(tmp_path):
    settings = load_settings(
        environ={"HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_SIP_ALLOWED_NETWORKS": "lan"}
    )
    with pytest.raises(ConfigError, match="sip_allowed_networks"):
        edge_config(settings)


def test_staffed_hours_in_beijing_time_including_overnight():
    from datetime import UTC, datetime

    from telephony.hours import HoursError, parse_hours, staffed

    day = parse_hours("08:00-20:00")
    assert staffed(day, datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # 08:30 in Beijing
    assert not staffed(day, datetime(2026, 11, 23, 12, 30, tzinfo=UTC))  # 20:30 in Beijing
    night = parse_hours("22:00-06:00")
    assert staffed(night, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00
    assert not staffed(night, datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 11:00
    assert staffed(parse_hours(""), datetime.now(UTC))
    with pytest.raises(HoursError):
        parse_hours("8-late")


def test_worker_config_from_settings_and_its_errors(tmp_path):
    settings = load_settings(
        environ={
            "HOTLINE_DATA_DIR": str(tmp_path),
            "HOTLINE_TELEPHONY_BASE_PORT": "6000",
            "HOTLINE_TELEPHONY_RTP_BASE_PORT": "30000",
            "HOTLINE_TELEPHONY_TRANSCRIBE": "0",
            "HOTLINE_EMERGENCY_URIS": "110=sip:110@gw",
        }
    )
    config = worker_config(settings, 2)
    assert (config.name, config.stack.sip_port, config.stack.rtp_port) == ("worker-2", 6002, 30400)
    assert config.flow.emergency == {"110": "sip:110@gw"} and config.voice_model is None
    for key, value in (("TELEPHONY_STAFFED_HOURS", "always"), ("EMERGENCY_URIS", "110")):
        bad = load_settings(environ={"HOTLINE_DATA_DIR": str(tmp_path), f"HOTLINE_{key}": value})
        with pytest.raises(ConfigError, match=key.lower()):
            worker_config(bad, 1)


@pytest.mark.parametrize(
    ("question", "text", "answer"),
    [
        ("resolved", "是", True),
        ("resolved", "已 解决", True),
        ("resolved", "没有 解决", False),
        ("resolved", "未解决", False),
        ("resolved", "[unk]", None),
        ("satisfaction", "满意", "satisfied"),
        ("satisfaction", "基本 满意", "basically_satisfied"),
        ("satisfaction", "不 满意", "unsatisfied"),
        ("satisfaction", "", None),
    ],
)
def test_spoken_survey_answers_prefer_the_longest_phrase(question, text, answer):
    from telephony.survey_answers import spoken_answer

    assert spoken_answer(question, text) == answer


def test_survey_keys_and_the_worker_policy_settings():
    from hotline.worker import survey_policy
    from telephony.survey_answers import key_answer

    assert [key_answer("satisfaction", k) for k in "1234"] == [
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        None,
    ]
    assert key_answer("resolved", "2") is False
    policy = survey_policy(load_settings(environ={"HOTLINE_SURVEY_HOURS": "08:30-21:00"}))
    assert policy.hours[0].isoformat() == "08:30:00" and policy.attempts == 3
    assert policy.dial is False  # no gateway configured: agents call back by hand
    for bad in ("22:00-06:00", "nonsense"):
        with pytest.raises(ConfigError, match="survey_hours"):
            survey_policy(load_settings(environ={"HOTLINE_SURVEY_HOURS": bad}))


def test_survey_recognizer_decodes_a_grammar_with_a_real_model(tmp_path, ko_model_path):
    """The recognizer glue for real: a pjmedia-style WAV read past its header, a vosk grammar of
    the answer phrases, words mapped to answers. The Korean model stands in for the Chinese one
    (not shipped here), with Korean answer words; the file is deleted once heard."""
    from telephony.survey_answers import recognise

    raw, wav = tmp_path / "raw.wav", tmp_path / "answer.wav"
    subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), "아니요"], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    korean = {"resolved": (("아니요", False), ("네", True))}
    heard = recognise("resolved", str(wav), str(ko_model_path), 16000, korean)
    assert heard.text == "아니요" and heard.answer is False and heard.seconds > 0.3
    assert heard.model == ko_model_path.name and not wav.exists()
