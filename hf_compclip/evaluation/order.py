"""ARO's order tests: COCO-Order and Flickr30k-Order (Yuksekgonul et al., ICLR 2023).

Every Karpathy test caption becomes five options: itself and four scrambles of its word order, each built as
ARO builds it from the raw caption and then cleaned like the caption: nouns shuffled among noun positions and,
separately, adjectives among adjective positions (Penn Treebank tags from the tagger); every other token shuffled
while nouns and adjectives stay; tokens shuffled within consecutive trigrams; the trigrams shuffled. The score is
precision@1 of the original. The scrambles are random, so they are drawn from a seed that is recorded with the
result; each caption gets its own generator, so a subset scores the same as in the full run. A scramble that
leaves the caption's words in the same order is not a negative and is dropped (ARO's argmax would also never
prefer it), which keeps the project's rule that a tie between different texts is wrong.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, require_images
from hf_compclip.evaluation.files import get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, folder_or_store
from hf_compclip.evaluation.metrics import accuracy

KARPATHY_SOURCE = (
    "https://storage.googleapis.com/sfr-vision-language-research/datasets/{file} (BLIP's Karpathy splits)"
)
ORDER_FILES = {"coco_order": "coco_karpathy_test.json", "flickr30k_order": "flickr30k_test.json"}
DEFAULT_SEED = 0
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
ADJECTIVE_TAGS = frozenset({"JJ", "JJR", "JJS"})

Tagger = Callable[[str], list[tuple[str, str]]]
"""Text -> (token, Penn Treebank tag) pairs for every token, punctuation included, e.g. spaCy's
``(token.text, token.tag_)``. ARO picks nouns and adjectives by these fine tags; universal tags would differ
(``PROPN`` is a separate class there)."""

_ARO_PUNCTUATION = re.compile(r"[.!\"()*#:;~]")
# nltk.word_tokenize's splits that matter for captions: clitics ("do n't", "man 's") and punctuation come off the
# word; hyphenated words and numbers such as 1,000 or 2.5 stay whole.
_WORD_TOKEN = re.compile(
    r"\w+(?=n't\b)|n't\b|'(?:s|re|ve|ll|d|m)\b|\d+(?:[.,]\d+)+|\w+(?:[-/]\w+)*|[^\w\s]", re.IGNORECASE
)


def normalize_caption(text: str, max_words: int = 30) -> str:
    """ARO's caption cleaning: lower case, its punctuation set turned to spaces, at most ``max_words`` words."""
    words = _ARO_PUNCTUATION.sub(" ", text.lower()).split()
    return " ".join(words[:max_words])


def word_tokens(text: str) -> list[str]:
    """A regex stand-in for ``nltk.word_tokenize``, which ARO's trigram scrambles use (nltk is not a dependency)."""
    return _WORD_TOKEN.findall(text)


def _permute_positions(words: list[str], positions: list[int], rng: random.Random) -> list[str]:
    picked = [words[i] for i in positions]
    rng.shuffle(picked)
    result = list(words)
    for position, word in zip(positions, picked, strict=True):
        result[position] = word
    return result


def shuffle_nouns_and_adjectives(tagged: Sequence[tuple[str, str]], rng: random.Random) -> str:
    """Nouns trade places only with nouns, adjectives only with adjectives (two separate permutations)."""
    words = [word for word, _ in tagged]
    for tags in (NOUN_TAGS, ADJECTIVE_TAGS):
        words = _permute_positions(words, [i for i, (_, tag) in enumerate(tagged) if tag in tags], rng)
    return " ".join(words)


def shuffle_all_but_nouns_and_adjectives(tagged: Sequence[tuple[str, str]], rng: random.Random) -> str:
    """Every token that is neither noun nor adjective, punctuation included, is shuffled among the others."""
    words = [word for word, _ in tagged]
    positions = [i for i, (_, tag) in enumerate(tagged) if tag not in NOUN_TAGS | ADJECTIVE_TAGS]
    return " ".join(_permute_positions(words, positions, rng))


def trigrams(words: Sequence[str]) -> list[list[str]]:
    return [list(words[start : start + 3]) for start in range(0, len(words), 3)]


def shuffle_within_trigrams(text: str, rng: random.Random) -> str:
    groups = trigrams(word_tokens(text))
    for group in groups:
        rng.shuffle(group)
    return " ".join(word for group in groups for word in group)


def shuffle_trigrams(text: str, rng: random.Random) -> str:
    groups = trigrams(word_tokens(text))
    rng.shuffle(groups)
    return " ".join(word for group in groups for word in group)


def order_options(caption: str, tagger: Tagger, rng: random.Random, max_words: int = 30) -> tuple[str, list[str]]:
    """The normalised caption and its scrambles, less those that keep the caption's tokens in order."""
    tagged = tagger(caption)
    scrambles = [
        shuffle_nouns_and_adjectives(tagged, rng),
        shuffle_all_but_nouns_and_adjectives(tagged, rng),
        shuffle_within_trigrams(caption, rng),
        shuffle_trigrams(caption, rng),
    ]
    original = normalize_caption(caption, max_words)
    # joining tokens with spaces turns "man, woman" into "man , woman": the same words, so not a negative
    negatives = [
        text
        for text in (normalize_caption(s, max_words) for s in scrambles)
        if word_tokens(text) != word_tokens(original)
    ]
    return original, negatives


def spacy_tagger(model: str = "en_core_web_sm") -> Tagger:
    """A tagger from a spaCy pipeline, the tagger ARO used (``python -m spacy download en_core_web_sm``)."""
    import spacy

    try:
        nlp = spacy.load(model, disable=["parser", "ner", "lemmatizer"])
    except OSError as error:
        raise OSError(
            f"The order tests need the spaCy model {model!r} to find nouns and adjectives: install it with "
            f"`python -m spacy download {model}`, or pass your own tagger."
        ) from error
    return lambda text: [(token.text, token.tag_) for token in nlp(text)]


def _p1(items: Sequence[ChoiceItem], correct: Sequence[bool]) -> tuple[dict[str, float], dict[str, int]]:
    return {"p1": accuracy(correct)}, {"p1": len(items)}


def load_order(
    benchmark: str,
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    tagger: Tagger | None = None,
    seed: int = DEFAULT_SEED,
    max_words: int = 30,
    images: ImageStore | None = None,
) -> ChoiceBenchmark:
    """``coco_order`` or ``flickr30k_order`` from the Karpathy test file in ``data_root``.

    The file is a JSON list of {image, caption: [...]} with image paths relative to ``image_root``.
    """
    if benchmark not in ORDER_FILES:
        raise ValueError(f"unknown order benchmark {benchmark!r}; choose from {sorted(ORDER_FILES)}")
    file_name = ORDER_FILES[benchmark]
    path = require_file(Path(data_root) / file_name, benchmark, KARPATHY_SOURCE.format(file=file_name))
    tagger = tagger or spacy_tagger()
    items, dropped_options, dropped_items = [], 0, 0
    for index, record in records_of(read_json(path), path):
        where = f"{path}, item {index}"
        image = ImageRef(get_field(record, "image", where, str))
        captions = get_field(record, "caption", where, (list, str))
        for number, caption in enumerate([captions] if isinstance(captions, str) else captions):
            rng = random.Random(f"{seed}/{image.key}/{number}")
            original, negatives = order_options(caption, tagger, rng, max_words)
            dropped_options += 4 - len(negatives)
            if not negatives:
                dropped_items += 1
                continue
            items.append(ChoiceItem(image, (original,), tuple(negatives), "all", f"{index}/{number}"))
    store = folder_or_store(image_root, images, benchmark)
    require_images(items, store, benchmark)
    details = {"seed": seed, "options_equal_to_caption": dropped_options, "captions_without_scramble": dropped_items}
    return ChoiceBenchmark(benchmark, items, store, _p1, "p1", details)
