"""The context model that ranks the rules generator's candidates, and the argument frames of verbs."""

from __future__ import annotations

import math
import pickle

import pytest

from hf_compclip.negatives import ContextModel, RulesGenerator, default_lexicon
from hf_compclip.negatives.text import tokenize

CORPUS = [
    "a brown dog sitting on a couch",
    "a brown dog laying on a bed",
    "a brown horse in a field",
    "a man riding a horse on a beach",
    "a woman sitting on a bench",
]


def _changed_word(caption: str, negative: str) -> tuple[str, str]:
    [(old, new)] = [
        (a.lower(), b.lower())
        for (a, _, _), (b, _, _) in zip(tokenize(caption), tokenize(negative), strict=True)
        if a.lower() != b.lower()
    ]
    return old, new


def test_bigram_probabilities_are_normalised_and_follow_the_counts():
    model = ContextModel(CORPUS)
    vocabulary = [*model.unigrams, "unseen"]
    for left in ("a", "brown", "<s>", "unseen"):
        total = sum(math.exp(model.log_probability(left, right)) for right in vocabulary)
        assert total == pytest.approx(1.0, abs=1e-9)
    assert model.log_probability("brown", "dog") > model.log_probability("brown", "horse")
    assert model.score(("a", "brown", "dog")) == pytest.approx(
        model.log_probability("a", "brown") + model.log_probability("brown", "dog")
    )
    with pytest.raises(ValueError, match="at least one caption"):
        ContextModel(["", "!!"])


def test_the_most_plausible_candidate_wins_with_top_k_1():
    # "cat" after "brown" and before "sitting": the corpus has "brown dog sitting", no other animal there.
    generator = RulesGenerator(slots=["replace_object"], context=ContextModel(CORPUS), top_k=1)
    for seed in range(3):
        negative = RulesGenerator(slots=["replace_object"], context=ContextModel(CORPUS), top_k=1, seed=seed)(
            ["A brown cat sitting."]
        )[0]["negatives"][0]
        assert negative == "A brown dog sitting."
    assert generator(["A brown cat sitting."]) == generator(["A brown cat sitting."])
    # Without a context model every category-consistent animal is possible.
    uniform = {
        RulesGenerator(slots=["replace_object"], context=None, seed=seed)(["A brown cat sitting."])[0]["negatives"][0]
        for seed in range(12)
    }
    assert len(uniform) > 3


def test_the_context_enters_the_fingerprint_and_survives_pickling(tmp_path):
    path = tmp_path / "captions.txt"
    path.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    from_file = RulesGenerator(context=path)
    assert from_file.config()["context"] == ContextModel(CORPUS).fingerprint
    assert from_file.fingerprint == RulesGenerator(context=ContextModel(CORPUS)).fingerprint
    assert from_file.fingerprint != RulesGenerator().fingerprint != RulesGenerator(context=None).fingerprint
    assert RulesGenerator(top_k=1).fingerprint != RulesGenerator().fingerprint
    other = tmp_path / "other.txt"
    other.write_text("\n".join([*CORPUS, "a cat on a mat"]) + "\n", encoding="utf-8")
    assert RulesGenerator(context=other).fingerprint != from_file.fingerprint
    captions = ["A man riding a horse on a beach.", "A brown dog laying on a bed."]
    for generator in (from_file, RulesGenerator(context=ContextModel(CORPUS)), RulesGenerator(context=None)):
        clone = pickle.loads(pickle.dumps(generator))
        assert clone.fingerprint == generator.fingerprint and clone(captions) == generator(captions)
    with pytest.raises(ValueError, match="top_k must be at least 1"):
        RulesGenerator(top_k=0)


@pytest.mark.parametrize("seed", range(6))
def test_verbs_keep_their_argument_frame(seed):
    lexicon = default_lexicon()
    generator = RulesGenerator(slots=["replace_action"], seed=seed)
    intransitive, transitive, particle = generator(
        ["A man riding on a horse.", "A man riding a horse.", "A man holding up a sign."]
    )
    old, new = _changed_word("A man riding on a horse.", intransitive["negatives"][0])
    assert old == "riding" and "action:intransitive" in lexicon.categories(new), new  # never "using on a horse"
    old, new = _changed_word("A man riding a horse.", transitive["negatives"][0])
    assert old == "riding" and "action:transitive" in lexicon.categories(new), new
    assert particle["negative_mask"] == [False]  # "holding up": the frame is unknown, the verb is left alone
