from __future__ import annotations

import difflib
import pickle
from collections import Counter

import pytest

from hf_compclip.negatives import RULE_OPERATIONS, RulesGenerator, default_lexicon, load_generator
from hf_compclip.negatives.text import normalize, tokenize

REPLACE_KIND = {
    "replace_attribute": "attribute",
    "replace_object": "object",
    "replace_relation": "relation",
    "replace_action": "action",
    "replace_number": "number",
}


@pytest.fixture(scope="module")
def all_slots_rows(coco_captions):
    generator = RulesGenerator(slots=RULE_OPERATIONS, seed=0)
    return generator, generator(coco_captions)


def _word_multiset(text: str) -> Counter:
    return Counter(token.lower() for token, _, _ in tokenize(text))


def _changed_phrases(caption: str, negative: str) -> list[tuple[str, str]]:
    """The (old, new) phrases that differ, article changes ("a" <-> "an") left out."""
    old = [token.lower() for token, _, _ in tokenize(caption)]
    new = [token.lower() for token, _, _ in tokenize(negative)]
    changes = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        before, after = old[i1:i2], new[j1:j2]
        if before[:1] in (["a"], ["an"]) and after[:1] in (["a"], ["an"]):
            before, after = before[1:], after[1:]
        if tag != "equal" and (before or after):
            changes.append((" ".join(before), " ".join(after)))
    return changes


def test_rows_follow_the_schema(all_slots_rows, coco_captions):
    generator, rows = all_slots_rows
    assert generator.negative_types == RULE_OPERATIONS
    assert len(rows) == len(coco_captions)
    for row in rows:
        assert row["negative_types"] == list(RULE_OPERATIONS)
        assert len(row["negatives"]) == len(row["negative_mask"]) == len(RULE_OPERATIONS)
        for text, valid in zip(row["negatives"], row["negative_mask"], strict=True):
            assert (text != "") == valid  # invalid slots hold "" and are masked


def test_every_slot_type_fires_on_real_captions(all_slots_rows):
    _, rows = all_slots_rows
    valid = Counter(
        name for row in rows for name, ok in zip(row["negative_types"], row["negative_mask"], strict=True) if ok
    )
    assert set(valid) == set(RULE_OPERATIONS)
    assert valid["replace_object"] > 0.8 * len(rows)


def test_swaps_keep_the_words_and_change_the_caption(all_slots_rows, coco_captions):
    _, rows = all_slots_rows
    across = RulesGenerator(slots=["swap_object", "swap_attribute"], swap_across_categories=True)(coco_captions)
    for rows_of_setting, minimum in ((rows, 30), (across, 150)):  # same-category swaps only by default
        checked = 0
        for caption, row in zip(coco_captions, rows_of_setting, strict=True):
            for name, text, valid in zip(row["negative_types"], row["negatives"], row["negative_mask"], strict=True):
                if valid and name.startswith("swap_"):
                    assert _word_multiset(text) == _word_multiset(caption), (caption, text)
                    assert normalize(text) != normalize(caption)
                    checked += 1
        assert checked > minimum


def test_replacements_keep_their_lexicon_category(all_slots_rows, coco_captions):
    _, rows = all_slots_rows
    lexicon = default_lexicon()
    checked = Counter()
    for caption, row in zip(coco_captions, rows, strict=True):
        for name, text, valid in zip(row["negative_types"], row["negatives"], row["negative_mask"], strict=True):
            if not valid or name not in REPLACE_KIND:
                continue
            [(old, new)] = _changed_phrases(caption, text)
            kind = REPLACE_KIND[name] + ":"
            shared = {c for c in lexicon.categories(old) & lexicon.categories(new) if c.startswith(kind)}
            assert shared, (name, caption, text)
            assert new not in lexicon.related(old)
            checked[name] += 1
    assert set(checked) == set(REPLACE_KIND)


@pytest.mark.parametrize("seed", range(6))
def test_articles_and_capitalisation_follow_the_new_word(seed):
    generator = RulesGenerator(slots=["replace_object"], seed=seed)
    # "An" becomes "A" before a consonant (and stays "An" before a vowel); the first word keeps its capital.
    text = generator(["An elephant standing quietly."])[0]["negatives"][0]
    article, noun, rest = text.split(" ", 2)
    assert article == ("An" if noun[0] in "aeiou" else "A") and noun[0].islower() and rest == "standing quietly."
    text = generator(["Dogs playing outside."])[0]["negatives"][0]
    noun = text.removesuffix(" playing outside.")
    assert noun[0].isupper() and noun[1:].islower() and noun.lower() != "dogs" and noun != text
    text = RulesGenerator(slots=["replace_attribute"], seed=seed)(["a red umbrella  ,  "])[0]["negatives"][0]
    article, colour, rest = text.split(" ", 2)
    assert article == ("an" if colour[0] in "aeiou" else "a") and rest == "umbrella  ,  "


def test_grammatical_number_is_kept():
    lexicon = default_lexicon()
    for seed in range(5):
        caption = "Two dogs running outside."
        [(old, new)] = _changed_phrases(
            caption, RulesGenerator(slots=["replace_object"], seed=seed)([caption])[0]["negatives"][0]
        )
        assert old == "dogs"
        assert any(entry.kind == "object" and entry.form == 1 for entry in lexicon.phrases[tuple(new.split())])


def test_same_seed_same_output_and_other_seed_differs(coco_captions):
    first = RulesGenerator(seed=7)(coco_captions)
    again = RulesGenerator(seed=7)(list(reversed(coco_captions)))[::-1]
    other = RulesGenerator(seed=8)(coco_captions)
    assert first == again  # independent of order and batch
    assert first != other


def test_nothing_to_edit_gives_masked_slots():
    generator = RulesGenerator(slots=RULE_OPERATIONS)
    rows = generator(["", "Hello.", "xyzzy plugh", "!!!"])
    for row in rows:
        assert row["negative_mask"] == [False] * len(RULE_OPERATIONS)
        assert row["negatives"] == [""] * len(RULE_OPERATIONS)


def test_slot_configuration_and_fingerprint():
    default = RulesGenerator()
    assert default.negative_types == ("relation", "attribute", "object", "action")
    assert default.fingerprint == RulesGenerator().fingerprint
    assert default.fingerprint != RulesGenerator(seed=1).fingerprint
    assert default.fingerprint != RulesGenerator(slots=["swap_object", "replace_number"]).fingerprint
    assert RulesGenerator(slots="swap_object, replace_number").negative_types == ("swap_object", "replace_number")
    with pytest.raises(ValueError, match="unknown rules slots \\['swap_everything'\\]"):
        RulesGenerator(slots=["swap_object", "swap_everything"])
    assert isinstance(load_generator("rules", seed=2), RulesGenerator)
    with pytest.raises(ValueError, match="unknown generator 'llm'"):
        load_generator("llm")


def test_pickled_generator_gives_the_same_rows(coco_captions):
    generator = RulesGenerator(slots=RULE_OPERATIONS, seed=5)
    clone = pickle.loads(pickle.dumps(generator))
    assert clone.fingerprint == generator.fingerprint
    assert clone(coco_captions[:50]) == generator(coco_captions[:50])


def test_bad_captions_are_named():
    with pytest.raises(TypeError, match="caption 1 is int"):
        RulesGenerator()(["a dog", 3])
    with pytest.raises(TypeError, match="single string"):
        RulesGenerator()("a dog on a bed")
