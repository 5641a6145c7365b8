"""Chinese accuracy: CER on the human-transcribed Mandarin samples, with and without hot words.

Runs only when a Chinese model is found (HOTLINE_VOICE_MODEL, voice_models/models/,
../shared/voice/models/); none can be downloaded on the build machines, so it is skipped there.
"""

import csv
from pathlib import Path

import pytest

from voice_models.audio import read_wav
from voice_models.cer import corpus_cer
from voice_models.locate import find_model
from voice_models.recognizer import UNK, prepare_grammar
from voice_models.session import final_text, transcribe_pcm

pytestmark = pytest.mark.slow
SKIP_REASON = "no Chinese vosk model installed: see ../shared/voice/README.md, hotline models install"
GROUND_TRUTH = "human corpus transcript"
# A city's place and unit names, as the hotline would feed them (some occur in the samples, most not).
HOT_WORDS = [
    "广州市",
    "天河区",
    "越秀区",
    "海珠区",
    "滨海新区",
    "房地产",
    "中介",
    "协会",
    "住房和城乡建设局",
    "市场监督管理局",
    "城市管理综合执法局",
    "生态环境局",
    "交通运输局",
    "街道办事处",
]


@pytest.fixture(scope="module")
def zh_model():
    located = find_model("zh")
    if located is None:
        pytest.skip(SKIP_REASON)
    pytest.importorskip("vosk")
    from voice_models.recognizer import load_model

    return load_model(located.path, log_level=-2)


@pytest.fixture(scope="module")
def references(zh_model, samples_dir: Path) -> list[tuple[Path, str]]:
    with (samples_dir / "transcripts.tsv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["reference_kind"] == GROUND_TRUTH]
    assert rows, "transcripts.tsv has no human-transcribed rows"
    return [(samples_dir / r["file"], r["reference_text"]) for r in rows]


def _transcribe(zh_model, references, grammar=None) -> list[tuple[str, str]]:
    pairs = []
    for wav, reference in references:
        pcm, rate = read_wav(wav)
        hypothesis = final_text(transcribe_pcm(zh_model, pcm, rate, grammar=grammar))
        print(f"  {wav.name}: ref {reference} | hyp {hypothesis}")
        pairs.append((reference, hypothesis))
    return pairs


def test_chinese_cer(zh_model, references):
    result = corpus_cer(_transcribe(zh_model, references))
    print(
        f"\nChinese CER {result.cer:.3f} over {result.reference_chars} chars "
        f"(S {result.substitutions} D {result.deletions} I {result.insertions}), model {zh_model.path.name}"
    )
    assert result.cer < 0.5  # upstream reports 23.5 % on speechio_02 for the small model


def test_chinese_cer_with_hot_words(zh_model, references):
    if not zh_model.runtime_grammar:
        pytest.skip(f"{zh_model.path.name} has a static graph: runtime vocabulary is not supported")
    plan = prepare_grammar(zh_model, HOT_WORDS)
    print(f"\nhot words as vocabulary words: {plan.phrases}; not in the model: {plan.oov}")
    baseline = corpus_cer(_transcribe(zh_model, references))
    guided_pairs = _transcribe(zh_model, references, grammar=plan)
    guided = corpus_cer(guided_pairs)
    print(f"CER without hot words {baseline.cer:.3f}, with hot-word grammar {guided.cer:.3f}")
    allowed = {w for phrase in plan.phrases for w in phrase.split()} | {UNK}
    assert all(set(hyp.split()) <= allowed for _, hyp in guided_pairs)
