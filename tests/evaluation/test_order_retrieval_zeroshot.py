import json
import random

import pytest
from datasets import ClassLabel, Dataset, Features
from datasets import Image as ImageFeature

from hf_compclip.evaluation import (
    EmbeddingScorer,
    classification_from_dataset,
    load_image_folder,
    load_order,
    load_retrieval,
    order_options,
)
from hf_compclip.evaluation.order import (
    normalize_caption,
    shuffle_all_but_nouns_and_adjectives,
    shuffle_nouns_and_adjectives,
    shuffle_trigrams,
    shuffle_within_trigrams,
    trigrams,
    word_tokens,
)

from .conftest import FIXTURES, save_image

KARPATHY = FIXTURES / "karpathy"
NOUNS = {"man", "street", "bike", "people", "woman", "kitchen", "table", "girl", "toilet", "bathroom", "dog", "food"}
ADJECTIVES = {"young", "white", "small", "red", "old", "large", "black", "wooden"}
PROPER_NOUNS = {"paris", "london"}


def tagger(text):
    """A word-list tagger standing in for spaCy's Penn Treebank tags: enough to exercise the scrambles."""
    tags = {**dict.fromkeys(NOUNS, "NN"), **dict.fromkeys(ADJECTIVES, "JJ"), **dict.fromkeys(PROPER_NOUNS, "NNP")}
    tagged = []
    for word in word_tokens(text):
        key = word.lower()
        tag = tags.get(key) or ("NNS" if tags.get(key.removesuffix("s")) == "NN" else "DT")
        tagged.append((word, tag))
    return tagged


@pytest.fixture
def coco_images(tmp_path):
    for number, record in enumerate(json.loads((KARPATHY / "coco_karpathy_test.json").read_text()), start=1):
        save_image(tmp_path / record["image"], number)
    return tmp_path


def test_normalization_and_scrambles_keep_the_words():
    assert normalize_caption('A Man: rides "a" bike!  Fast.') == "a man rides a bike fast"
    assert normalize_caption("one two three four", max_words=2) == "one two"
    assert trigrams(["a", "b", "c", "d", "e", "f", "g"]) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    caption = "A young man riding a red bike down the old street"
    original, negatives = order_options(caption, tagger, random.Random(3))
    assert original == "a young man riding a red bike down the old street"
    assert 1 <= len(negatives) <= 4 and original not in negatives
    for negative in negatives:
        assert sorted(negative.split()) == sorted(original.split())
    nouns_adjectives = order_options(caption, tagger, random.Random(3))[1][0].split()
    # the first scramble moves only nouns and adjectives: the other words keep their places
    for position, word in enumerate(original.split()):
        if word in {"a", "riding", "down", "the"}:
            assert nouns_adjectives[position] == word


def test_nouns_and_adjectives_move_only_among_their_own_kind():
    # ARO permutes nouns (NN, NNS, NNP, NNPS) and adjectives (JJ, JJR, JJS) separately
    tagged = [
        ("young", "JJ"), ("men", "NNS"), ("in", "IN"), ("Paris", "NNP"), ("ride", "VBP"), ("old", "JJ"),
        ("bikes", "NNS"), ("past", "IN"), ("bigger", "JJR"), ("dogs", "NNS"), ("and", "CC"), ("Alps", "NNPS"),
    ]  # fmt: skip
    nouns = {i for i, (_, tag) in enumerate(tagged) if tag.startswith("NN")}
    adjectives = {i for i, (_, tag) in enumerate(tagged) if tag.startswith("JJ")}
    noun_words = sorted(tagged[i][0] for i in nouns)
    adjective_words = sorted(tagged[i][0] for i in adjectives)
    seen_at_first_noun, seen_at_first_adjective = set(), set()
    for seed in range(40):
        scrambled = shuffle_nouns_and_adjectives(tagged, random.Random(seed)).split()
        assert sorted(scrambled[i] for i in nouns) == noun_words
        assert sorted(scrambled[i] for i in adjectives) == adjective_words
        assert [scrambled[i] for i in (2, 4, 7, 10)] == ["in", "ride", "past", "and"]
        seen_at_first_noun.add(scrambled[1])
        seen_at_first_adjective.add(scrambled[0])
    # proper nouns take part, and every word of a kind reaches that kind's positions
    assert seen_at_first_noun == set(noun_words) and seen_at_first_adjective == set(adjective_words)
    for seed in range(10):
        kept = shuffle_all_but_nouns_and_adjectives(tagged, random.Random(seed)).split()
        assert [kept[i] for i in sorted(nouns | adjectives)] == [tagged[i][0] for i in sorted(nouns | adjectives)]
        assert sorted(kept[i] for i in (2, 4, 7, 10)) == ["and", "in", "past", "ride"]


def test_trigram_scrambles_use_word_tokenize_tokens():
    # the tokens nltk.word_tokenize gives: clitics and punctuation split off, hyphenated words and numbers whole
    assert word_tokens("A man's t-shirt, 1,000 dogs don't bark.") == [
        "A", "man", "'s", "t-shirt", ",", "1,000", "dogs", "do", "n't", "bark", ".",
    ]  # fmt: skip
    caption = "A man, a dog."  # tokens: [A man ,] [a dog .]
    assert {shuffle_trigrams(caption, random.Random(seed)) for seed in range(20)} == {
        "A man , a dog .",
        "a dog . A man ,",
    }
    for seed in range(20):
        assert sorted(shuffle_within_trigrams(caption, random.Random(seed)).split()[:3]) == [",", "A", "man"]
    original, _ = order_options(caption, tagger, random.Random(0))
    negatives = {text for seed in range(30) for text in order_options(caption, tagger, random.Random(seed))[1]}
    assert original == "a man, a dog"
    # cleaned like the caption; an unmoved order written "a man , a dog" is the same words and is dropped
    assert "a dog a man ," in negatives and "a dog , a man" in negatives
    assert "a man , a dog" not in negatives and original not in negatives


def test_scrambles_equal_to_the_caption_are_dropped():
    original, negatives = order_options("dog", tagger, random.Random(0))
    assert original == "dog" and negatives == []
    assert shuffle_trigrams("a b", random.Random(0)) == "a b"  # one trigram: nothing to move


def test_order_is_seeded_recorded_and_scored(fake_clip, coco_images):
    first = load_order("coco_order", KARPATHY, coco_images, tagger=tagger, seed=5)
    again = load_order("coco_order", KARPATHY, coco_images, tagger=tagger, seed=5)
    other = load_order("coco_order", KARPATHY, coco_images, tagger=tagger, seed=6)
    assert first.items == again.items and first.items != other.items
    assert first.details["seed"] == 5 and len(first.items) == 15
    originals = {item.positives[0]: [1.0, 0.0] for item in first.items}
    model, processor = fake_clip(originals, {1: [1.0, 0.0], 2: [1.0, 0.0], 3: [1.0, 0.0]})
    result = first.run(EmbeddingScorer(model, processor, show_progress=False))
    assert result.scores == {"p1": 1.0}
    model, processor = fake_clip({}, {1: [1.0, 0.0]})  # every option scores the same: all wrong
    assert load_order("coco_order", KARPATHY, coco_images, tagger=tagger).run(
        EmbeddingScorer(model, processor, show_progress=False)
    ).scores == {"p1": 0.0}


def test_missing_karpathy_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"flickr30k_test\.json.*sfr-vision-language-research"):
        load_order("flickr30k_order", tmp_path, tmp_path, tagger=tagger)


def test_retrieval_recalls_by_hand(fake_clip, coco_images):
    records = json.loads((KARPATHY / "coco_karpathy_test.json").read_text())
    axes = {1: [1.0, 0.0, 0.0], 2: [0.0, 1.0, 0.0], 3: [0.0, 0.0, 1.0]}
    texts = {caption: axes[n] for n, record in enumerate(records, start=1) for caption in record["caption"]}
    image_one_caption = records[0]["caption"][0]
    texts[image_one_caption] = [0.0, 1.0, 0.0]  # now points at image 2
    model, processor = fake_clip(texts, axes, dim=3)
    result = load_retrieval("coco_retrieval", KARPATHY, coco_images).run(
        EmbeddingScorer(model, processor, show_progress=False)
    )
    # image->text: images 1 and 3 find a caption of their own first; image 2's captions (1.0) tie with the
    # caption moved from image 1 (1.0), and a tie counts against the query -> rank 1
    assert result["i2t_r1"] == pytest.approx(2 / 3) and result["i2t_r5"] == 1.0
    # text->image: the moved caption finds image 2 first (its image ranks 2nd of 3); 14 of 15 are right at 1
    assert result["t2i_r1"] == pytest.approx(14 / 15) and result["t2i_r5"] == 1.0
    assert result["mean"] == pytest.approx((2 / 3 + 1 + 1 + 14 / 15 + 1 + 1) / 6)


def test_zero_shot_on_an_image_folder(fake_clip, tmp_path):
    for name, ids in {"golden_retriever": (1, 2), "tabby_cat": (3,), "red_fox": (4,)}.items():
        for number in ids:
            save_image(tmp_path / name / f"{number}.png", number)
    benchmark = load_image_folder(tmp_path, templates=("a photo of a {}.", "art of a {}."))
    assert benchmark.classnames == ["golden retriever", "red fox", "tabby cat"]
    axes = {"golden retriever": [1.0, 0.0, 0.0], "red fox": [0.0, 1.0, 0.0], "tabby cat": [0.0, 0.0, 1.0]}
    texts = {template.format(name): axes[name] for name in axes for template in benchmark.templates}
    texts["art of a red fox."] = [1.0, 0.0, 0.0]  # fox prompts average to (0.5, 0.5, 0)
    images = {1: [1.0, 0.0, 0.0], 2: [0.0, 0.0, 1.0], 3: [0.0, 0.0, 1.0], 4: [0.0, 1.0, 0.0]}
    model, processor = fake_clip(texts, images, dim=3)
    result = benchmark.run(EmbeddingScorer(model, processor, show_progress=False))
    # image 1: retriever (1.0) beats fox (0.707) -> right; image 2 (a retriever) looks like a cat -> wrong;
    # image 3 cat right; image 4 fox: fox 0.707 vs retriever 0 -> right. Top-5 is not defined for 3 classes.
    assert result.scores == pytest.approx({"top1": 3 / 4})


def test_zero_shot_from_a_datasets_dataset(fake_clip, tmp_path):
    from PIL import Image

    features = Features({"img": ImageFeature(), "label": ClassLabel(names=["cat", "dog"])})
    images = [Image.new("RGB", (4, 4), (n, 0, 0)) for n in (1, 2)]
    dataset = Dataset.from_dict({"img": images, "label": [1, 0]}, features=features)
    benchmark = classification_from_dataset(dataset, image_column="img", templates=("{}",))
    model, processor = fake_clip({"cat": [1.0, 0.0], "dog": [0.0, 1.0]}, {1: [0.0, 1.0], 2: [1.0, 0.0]})
    assert benchmark.run(EmbeddingScorer(model, processor, show_progress=False)).scores == {"top1": 1.0}
    with pytest.raises(ValueError, match="no column 'image'"):
        classification_from_dataset(dataset)
