"""The paper generator's mechanics, offline: a spaCy pipeline whose tags the test sets, and a tiny random
RoBERTa fill-mask model with a tokenizer trained here."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from transformers import RobertaConfig, RobertaForMaskedLM, RobertaTokenizerFast, pipeline

from hf_compclip.negatives import PaperGenerator, load_generator
from hf_compclip.negatives.text import tokenize

TAGS = {
    "man": "NOUN", "dog": "NOUN", "street": "NOUN", "bike": "NOUN", "table": "NOUN", "cat": "NOUN",
    "red": "ADJ", "small": "ADJ", "riding": "VERB", "sitting": "VERB", "sleeps": "VERB",
}  # fmt: skip
CAPTIONS = [
    "A man riding a red bike down the street.",  # 3 nouns: relation swap; ADJ, NOUN, VERB present
    "A small cat sitting on a table.",  # 2 nouns: no relation
    "A dog sleeps.",  # no adjective
    "Hello there!",  # nothing tagged
]


@Language.component("hf_compclip_test_tags")
def _set_tags(doc):
    for token in doc:
        token.pos_ = TAGS.get(token.lower_, "X")
    return doc


@pytest.fixture(scope="module")
def nlp():
    pipeline_ = spacy.blank("en")
    pipeline_.add_pipe("hf_compclip_test_tags")
    return pipeline_


@pytest.fixture(scope="module")
def fill_mask(tmp_path_factory):
    import torch
    from tokenizers import ByteLevelBPETokenizer

    corpus = CAPTIONS * 20 + ["a big green car near the old house", "two people eat blue cake"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    folder = tmp_path_factory.mktemp("tiny_roberta")
    bpe.save_model(str(folder))
    tokenizer = RobertaTokenizerFast(str(folder / "vocab.json"), str(folder / "merges.txt"))
    config = RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    return pipeline("fill-mask", model=RobertaForMaskedLM(config).eval(), tokenizer=tokenizer)


class StubFillMask:
    """Returns fixed candidates, best first, so that the rank rule can be checked word for word."""

    def __init__(self, candidates):
        self.candidates = candidates
        self.tokenizer = type("Tokenizer", (), {"mask_token": "<mask>"})()

    def __call__(self, texts, top_k):
        outputs = [[{"token_str": " " + word} for word in self.candidates[:top_k]] for _ in texts]
        return outputs[0] if len(outputs) == 1 else outputs


def test_slots_masks_and_single_word_edits(nlp, fill_mask):
    generator = PaperGenerator(spacy_model=nlp, fill_mask_model=fill_mask, seed=0)
    assert generator.negative_types == ("relation", "attribute", "object", "action")
    rows = generator(CAPTIONS)
    assert [row["negative_mask"] for row in rows] == [
        [True, True, True, True],
        [False, True, True, True],
        [False, False, True, True],
        [False, False, False, False],
    ]
    assert rows[0]["negatives"][0] == "A bike riding a red man down the street."
    assert rows[3]["negatives"] == ["", "", "", ""]
    for caption, row in zip(CAPTIONS, rows, strict=True):
        for slot, pos in ((1, "ADJ"), (2, "NOUN"), (3, "VERB")):
            if not row["negative_mask"][slot]:
                continue
            # Exactly one word of the slot's part of speech was refilled, with a different word.
            negative = row["negatives"][slot]
            edits = [
                negative[start : len(negative) - (len(caption) - end)]
                for word, start, end in tokenize(caption)
                if TAGS.get(word.lower()) == pos
                and negative.startswith(caption[:start])
                and negative.endswith(caption[end:])
                and len(negative) >= start + len(caption) - end
            ]
            assert edits and all(edit.strip() and edit.lower() != caption.lower() for edit in edits), (
                caption,
                negative,
            )
            assert negative != caption
    assert generator(CAPTIONS) == rows  # deterministic for a seed


def test_fourth_candidate_and_never_the_original(nlp):
    candidates = ["bike", "cycle", "horse", "car", "bus"]
    rows = PaperGenerator(spacy_model=nlp, fill_mask_model=StubFillMask(candidates))(
        ["A small cat sitting on a table."]
    )
    assert all(
        text.count("car") == 1 or not valid
        for text, valid in zip(rows[0]["negatives"], rows[0]["negative_mask"], strict=True)
    )
    # The 4th candidate equals the masked word ("cat"): the 5th is used, then better-ranked ones.
    rows = PaperGenerator(spacy_model=nlp, fill_mask_model=StubFillMask(["x", "y", "z", "cat", "bus"]))(
        ["A cat sleeps."]
    )
    assert rows[0]["negatives"][2] == "A bus sleeps."
    rows = PaperGenerator(spacy_model=nlp, fill_mask_model=StubFillMask(["dog", "cat", "", "cat", "Cat"]))(
        ["A cat sleeps."]
    )
    assert rows[0]["negatives"][2] == "A dog sleeps."
    rows = PaperGenerator(spacy_model=nlp, fill_mask_model=StubFillMask(["cat", "Cat", "cat", "cat", "cat"]))(
        ["A cat sleeps."]
    )
    assert rows[0]["negative_mask"][2] is False


def test_models_load_lazily_with_clear_errors(tmp_path):
    generator = load_generator("paper", spacy_model="hf_compclip_no_such_model", fill_mask_model=str(tmp_path))
    assert generator.fingerprint == PaperGenerator("hf_compclip_no_such_model", str(tmp_path)).fingerprint
    with pytest.raises(OSError, match="python -m spacy download hf_compclip_no_such_model"):
        generator(["A dog."])
    generator = PaperGenerator(spacy_model=spacy.blank("en"), fill_mask_model=str(tmp_path))
    with pytest.raises(OSError, match="could not load the fill-mask model"):
        generator(["A dog."])
    with pytest.raises(ValueError, match="rank must be between 1 and top_k=5"):
        PaperGenerator(rank=6)


def test_fingerprint_follows_the_configuration(nlp, fill_mask):
    base = PaperGenerator(spacy_model=nlp, fill_mask_model=fill_mask)
    assert base.fingerprint == PaperGenerator(spacy_model=nlp, fill_mask_model=fill_mask).fingerprint
    assert base.fingerprint != PaperGenerator(spacy_model=nlp, fill_mask_model=fill_mask, rank=3).fingerprint
    assert base.fingerprint != PaperGenerator(spacy_model=nlp, fill_mask_model=fill_mask, seed=1).fingerprint
    assert PaperGenerator().config()["fill_mask_model"] == "distilroberta-base"
