import pytest

from voice_models.cer import align, cer, corpus_cer, normalize_text


def test_normalize_folds_width_case_punctuation_spaces_and_tags():
    assert normalize_text("你好，世界！ ＡＢＣ１２３ abc") == "你好世界abc123abc"
    assert normalize_text("我 想 [unk] 投诉 <sil> 噪音。") == "我想投诉噪音"
    assert normalize_text("“滨海新区”、（南开区）…\u3000\t\n") == "滨海新区南开区"


def test_align_counts_substitutions_deletions_insertions():
    r = align("广州市房地产", "广洲市房地产中介")
    assert (r.substitutions, r.deletions, r.insertions, r.reference_chars) == (1, 0, 2, 6)
    r = align("一二线城市", "一线城市")
    assert (r.substitutions, r.deletions, r.insertions) == (0, 1, 0)
    assert align("", "").cer == 0.0
    assert align("", "多").cer == float("inf")


def test_cer_ignores_vosk_word_spacing():
    assert cer("甚至出现交易几乎停滞的情况", "甚至 出现 交易 几乎 停滞 的 情况") == 0.0
    assert cer("换一首歌", "换 一 手 歌") == pytest.approx(0.25)


def test_corpus_cer_is_pooled_not_averaged():
    total = corpus_cer([("一二三四", "一二三四"), ("五六", "")])
    assert total.errors == 2 and total.reference_chars == 6
    assert total.cer == pytest.approx(2 / 6)
