"""CE-CLIP's own generator: spaCy part-of-speech tags and a fill-mask model.

Slots, in order: relation (the first two nouns swapped, where the caption has at least three nouns),
attribute, object and action (one random adjective, noun or verb masked and filled by the fill-mask model,
keeping the ``rank``-th candidate of ``top_k`` so that the original word and its near-synonyms, which the
model ranks first, are passed over). A caption without the part of speech gets a masked slot, and a candidate
equal to the original word is never used. Both models load on first use, so building the generator is free.
"""

from __future__ import annotations

import random
from typing import Any

from .schema import PAPER_NEGATIVE_TYPES, NegativeGenerator, make_row

_POS_OF_SLOT = {"attribute": "ADJ", "object": "NOUN", "action": "VERB"}


def _describe(component: Any) -> str:
    """A stable name for a model given as a name or as an object (its name, path or class)."""
    if isinstance(component, str):
        return component
    meta = getattr(component, "meta", None)
    if isinstance(meta, dict):
        return f"spacy:{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}:{','.join(component.pipe_names)}"
    model = getattr(component, "model", component)
    name = getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", "")
    return f"{type(model).__name__}:{name}"


class PaperGenerator(NegativeGenerator):
    """The CE-CLIP negatives: typed slots ``("relation", "attribute", "object", "action")``.

    Args:
        spacy_model (`str` or `spacy.Language`, *optional*, defaults to `"en_core_web_sm"`): a package name
            for ``spacy.load`` or a ready pipeline that sets ``token.pos_``.
        fill_mask_model (`str` or fill-mask pipeline, *optional*, defaults to `"distilroberta-base"`): a model
            name or path for ``transformers.pipeline("fill-mask")``, or a ready pipeline.
        top_k (`int`, *optional*, defaults to 5): candidates asked of the fill-mask model.
        rank (`int`, *optional*, defaults to 4): the candidate kept (1-based); when it equals the original
            word, the next ones are tried, then the better-ranked ones.
        seed (`int`, *optional*, defaults to 0): chooses which adjective, noun or verb is masked.
        batch_size (`int`, *optional*, defaults to 64): masked captions per fill-mask call.
        device (`int` or `str`, *optional*): the fill-mask pipeline's device when it is built from a name.

    Objects passed in are described in the fingerprint by their name or path, not their weights: give two
    different in-memory models different names if both are cached.
    """

    name = "paper"
    version = "1"

    def __init__(
        self,
        spacy_model: Any = "en_core_web_sm",
        fill_mask_model: Any = "distilroberta-base",
        top_k: int = 5,
        rank: int = 4,
        seed: int = 0,
        batch_size: int = 64,
        device: int | str | None = None,
    ) -> None:
        if not 1 <= int(rank) <= int(top_k):
            raise ValueError(f"rank must be between 1 and top_k={top_k}, got {rank}")
        self.spacy_model = spacy_model
        self.fill_mask_model = fill_mask_model
        self.top_k = int(top_k)
        self.rank = int(rank)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.device = device
        self._nlp = None if isinstance(spacy_model, str) else spacy_model
        self._fill_mask = None if isinstance(fill_mask_model, str) else fill_mask_model

    @property
    def negative_types(self) -> tuple[str, ...]:
        return PAPER_NEGATIVE_TYPES

    def config(self) -> dict[str, Any]:
        return {
            "spacy_model": _describe(self.spacy_model),
            "fill_mask_model": _describe(self.fill_mask_model),
            "top_k": self.top_k,
            "rank": self.rank,
            "seed": self.seed,
        }

    def __getstate__(self) -> dict[str, Any]:
        # Models loaded from names are reloaded in each worker process rather than pickled.
        state = dict(self.__dict__)
        if isinstance(self.spacy_model, str):
            state["_nlp"] = None
        if isinstance(self.fill_mask_model, str):
            state["_fill_mask"] = None
        return state

    @property
    def nlp(self):
        if self._nlp is None:
            try:
                import spacy
            except ImportError as error:
                raise ImportError("the paper generator needs spaCy: pip install 'hf-compclip[paper]'") from error
            try:
                self._nlp = spacy.load(self.spacy_model)
            except OSError as error:
                raise OSError(
                    f"spaCy model {self.spacy_model!r} is not installed: install it with "
                    f"`python -m spacy download {self.spacy_model}`, or use the rules generator, which needs "
                    "no download"
                ) from error
        return self._nlp

    @property
    def fill_mask(self):
        if self._fill_mask is None:
            from transformers import pipeline

            try:
                self._fill_mask = pipeline("fill-mask", model=self.fill_mask_model, device=self.device)
            except (OSError, ValueError) as error:
                raise OSError(
                    f"could not load the fill-mask model {self.fill_mask_model!r}: download it once with "
                    f"`hf download {self.fill_mask_model}` (or pass a local path), or use the rules generator, "
                    "which needs no download"
                ) from error
        return self._fill_mask

    def generate(self, captions: list[str]) -> list[dict[str, list]]:
        docs = list(self.nlp.pipe(captions))
        slots: list[list[str | None]] = []
        requests: list[tuple[int, int, str, str]] = []  # (caption, slot, masked text, original word)
        mask = self.fill_mask.tokenizer.mask_token
        for caption_index, (caption, doc) in enumerate(zip(captions, docs, strict=True)):
            tokens = [token.text_with_ws for token in doc]
            nouns = [token.i for token in doc if token.pos_ == "NOUN"]
            relation = None
            if len(nouns) >= 3 and doc[nouns[0]].lower_ != doc[nouns[1]].lower_:
                swapped = list(tokens)
                first, second = nouns[0], nouns[1]
                swapped[first] = doc[second].text + doc[first].whitespace_
                swapped[second] = doc[first].text + doc[second].whitespace_
                relation = "".join(swapped)
            slots.append([relation, None, None, None])
            for slot_index, slot in enumerate(PAPER_NEGATIVE_TYPES[1:], start=1):
                positions = [token.i for token in doc if token.pos_ == _POS_OF_SLOT[slot]]
                if not positions:
                    continue
                chosen = random.Random(f"{self.seed}|{slot}|{caption}").choice(positions)
                masked = list(tokens)
                masked[chosen] = mask + doc[chosen].whitespace_
                requests.append((caption_index, slot_index, "".join(masked), doc[chosen].text))
        for start in range(0, len(requests), self.batch_size):
            chunk = requests[start : start + self.batch_size]
            outputs = self.fill_mask([text for _, _, text, _ in chunk], top_k=self.top_k)
            if len(chunk) == 1:
                outputs = [outputs]
            for (caption_index, slot_index, masked, original), candidates in zip(chunk, outputs, strict=True):
                word = self._pick([candidate["token_str"] for candidate in candidates], original)
                if word is not None:
                    slots[caption_index][slot_index] = masked.replace(mask, word, 1)
        return [make_row(PAPER_NEGATIVE_TYPES, row) for row in slots]

    def _pick(self, candidates: list[str], original: str) -> str | None:
        """The ``rank``-th candidate, or the nearest one after (then before) it that differs from ``original``."""
        order = list(range(self.rank - 1, len(candidates))) + list(range(self.rank - 2, -1, -1))
        for index in order:
            word = candidates[index].strip()
            if word and word.lower() != original.lower():
                return word
        return None
