"""The rules generator on captions of a world of coloured shapes, written by hand in the style of the shapes demo.

These captions have colours (one of them, "orange", also a fruit), sizes, shape nouns, spatial relations and
"an image of" / "a picture of" frames: every slot must edit the right kind of word and keep its category.
"""

from __future__ import annotations

import pickle

import pytest

from hf_compclip.negatives import RulesGenerator, default_lexicon
from hf_compclip.negatives.text import tokenize

CAPTIONS = [
    "a small orange square above a blue square",
    "a red square is to the left of a purple circle",
    "an image of a large purple triangle under a little purple circle, and an orange cross over the large purple "
    "triangle",
    "a picture of a little blue square right of a large green circle",
    "A yellow triangle below a big red cross.",
    "there is a green circle to the right of an orange triangle",
]
SLOTS = ["swap_object", "swap_attribute", "replace_attribute", "replace_object", "replace_relation"]
SEEDS = range(4)


def _words(text: str) -> list[str]:
    return [token.lower() for token, _, _ in tokenize(text)]


def _rows(seed: int) -> list[dict[str, list]]:
    return RulesGenerator(slots=SLOTS, seed=seed)(CAPTIONS)


def _categories(phrase: str, kind: str) -> set[str]:
    return {category for category in default_lexicon().categories(phrase) if category.startswith(kind + ":")}


def _replaced(caption: str, negative: str, kind: str | None = None) -> tuple[str, str]:
    """The one phrase that differs (article changes aside), as (old, new); with ``kind``, widened to the
    smallest lexicon phrases of that kind ("left" / "right" -> "to the left of" / "to the right of")."""
    old, new = _words(caption), _words(negative)
    start = 0
    while old[start] == new[start]:
        start += 1
    end = 0
    while old[len(old) - 1 - end] == new[len(new) - 1 - end]:
        end += 1
    for wider in range(4) if kind else [0]:
        for left in range(wider + 1):
            right = wider - left
            before = old[start - left : len(old) - end + right]
            after = new[start - left : len(new) - end + right]
            if kind is None or (_categories(" ".join(before), kind) and _categories(" ".join(after), kind)):
                if before[:1] in (["a"], ["an"]) and after[:1] in (["a"], ["an"]):
                    before, after = before[1:], after[1:]
                return " ".join(before), " ".join(after)
    raise AssertionError(f"no {kind} phrase changed between {caption!r} and {negative!r}")


@pytest.mark.parametrize("seed", SEEDS)
def test_replacements_stay_in_their_category(seed):
    for caption, row in zip(CAPTIONS, _rows(seed), strict=True):
        negatives = dict(zip(row["negative_types"], row["negatives"], strict=True))
        old, new = _replaced(caption, negatives["replace_attribute"])
        expected = {"attribute:colour"} if old in ("red", "blue", "green", "yellow", "purple", "orange") else None
        assert _categories(old, "attribute") & _categories(new, "attribute"), (caption, old, new)
        if expected:
            assert _categories(new, "attribute") == expected, (caption, new)
        if old in ("small", "large", "little", "big"):
            assert _categories(new, "attribute") == {"attribute:size"}, (caption, new)
        old, new = _replaced(caption, negatives["replace_object"])
        assert _categories(old, "object") == _categories(new, "object") == {"object:shape"}, (caption, old, new)
        old, new = _replaced(caption, negatives["replace_relation"], "relation")
        assert old in ("above", "to the left of", "under", "over", "right of", "below", "to the right of")
        assert _categories(new, "relation") & {"relation:vertical", "relation:horizontal"}, (caption, new)
        assert new not in default_lexicon().related(old)


def test_every_replacement_slot_fires_and_sizes_become_sizes():
    replaced = set()
    for seed in SEEDS:
        for caption, row in zip(CAPTIONS, _rows(seed), strict=True):
            assert all(row["negative_mask"][SLOTS.index(slot)] for slot in SLOTS[2:]), (caption, row)
            old, _ = _replaced(caption, row["negatives"][SLOTS.index("replace_attribute")])
            replaced.update(_categories(old, "attribute"))
        caption = "a big circle to the left of a small square"
        negative = RulesGenerator(slots=["replace_attribute"], seed=seed)([caption])[0]["negatives"][0]
        old, new = _replaced(caption, negative)
        assert old in ("big", "small") and _categories(new, "attribute") == {"attribute:size"}, negative
        assert new not in default_lexicon().related(old)
    assert "attribute:colour" in replaced and replaced <= {"attribute:colour", "attribute:size"}


@pytest.mark.parametrize("seed", SEEDS)
def test_swaps_move_shapes_or_colours_and_leave_everything_else_in_place(seed):
    shapes = {"circle", "square", "triangle", "cross"}
    colours, sizes = {"red", "blue", "green", "yellow", "purple", "orange"}, {"small", "little", "large", "big"}
    swapped = {"swap_object": 0, "swap_attribute": 0}
    for caption, row in zip(CAPTIONS, _rows(seed), strict=True):
        for name, words in (("swap_object", shapes), ("swap_attribute", colours), ("swap_attribute", sizes)):
            negative = row["negatives"][SLOTS.index(name)]
            if not negative:
                continue
            old, new = _words(caption), _words(negative)
            changed = [index for index, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
            assert len(changed) == 2, (caption, negative)
            first, second = changed
            assert old[first] in (shapes if name == "swap_object" else colours | sizes), (caption, negative)
            if old[first] not in words:
                continue  # the other attribute category of this caption
            assert old[second] in words and old[first] != old[second], (caption, negative)
            assert (new[first], new[second]) == (old[second], old[first])
            swapped[name] += 1
    # "a red square ... a purple circle": both swaps are possible; so are they in most of these captions.
    assert swapped["swap_object"] >= 3 and swapped["swap_attribute"] >= 3


def test_frames_and_colour_words_before_nouns_are_never_objects():
    captions = ["an image of an orange cross", "a picture of a square", "A photo of an orange circle above a cross."]
    frames = (["an", "image", "of"], ["a", "picture", "of"], ["a", "photo", "of"])
    for seed in range(8):
        rows = RulesGenerator(slots=["replace_object", "swap_object"], seed=seed)(captions)
        for caption, row in zip(captions, rows, strict=True):
            for negative in row["negatives"]:
                if negative:
                    assert _words(negative)[:3] in frames, negative
                    assert _words(negative).count("orange") == _words(caption).count("orange"), negative
        assert _words(rows[0]["negatives"][0])[-2] == "orange"  # the colour stays, the shape changes
    # An orange that is not before a noun is the fruit: an object to replace, no colour.
    for seed in range(4):
        [row] = RulesGenerator(slots=["replace_attribute", "replace_object"], seed=seed)(["an orange on a table"])
        assert row["negative_mask"] == [False, True]
        old, new = _replaced("an orange on a table", row["negatives"][1])
        assert (old, _categories(new, "object")) in (("orange", {"object:food"}), ("table", {"object:furniture"}))


def test_known_words_only_replaces_by_the_corpus_words():
    from hf_compclip.negatives import ContextModel

    context = ContextModel(CAPTIONS)
    known = set(context.unigrams)
    open_rows = [row for seed in SEEDS for row in RulesGenerator(slots=SLOTS, seed=seed, context=context)(CAPTIONS)]
    closed_rows = [
        row
        for seed in SEEDS
        for row in RulesGenerator(slots=SLOTS, seed=seed, context=context, known_words_only=True)(CAPTIONS)
    ]

    def unknown(rows):
        return {
            word
            for row in rows
            for text in row["negatives"]
            for word in _words(text)
            if word.isalpha() and word not in known
        }

    assert unknown(open_rows)  # the lexicon offers words these captions never use ("behind", "tall", ...)
    assert unknown(closed_rows) == set()
    assert sum(sum(row["negative_mask"]) for row in closed_rows) >= 0.9 * sum(
        sum(row["negative_mask"]) for row in open_rows
    )
    closed = RulesGenerator(slots=SLOTS, context=context, known_words_only=True)
    assert pickle.loads(pickle.dumps(closed))(CAPTIONS) == closed(CAPTIONS)
    assert closed.config()["known_words_only"] is True
    assert "known_words_only" not in RulesGenerator(slots=SLOTS, context=context).config()
    with pytest.raises(ValueError, match="known_words_only needs a context model"):
        RulesGenerator(context=None, known_words_only=True)
