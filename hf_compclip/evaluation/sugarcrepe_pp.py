"""SugarCrepe++ (Dumpala et al., NeurIPS 2024): two paraphrased positives and one hard negative per image.

Two scores per category, as in the paper: ITT (image-to-text: the image must prefer both positives to the
negative) and TOT (text-only: the two positives must be closer to each other than either is to the negative).
A text-only score separates a model that reads meaning from one that matches words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import torch

from hf_compclip.evaluation.choice import ChoiceItem, choice_similarities, require_images
from hf_compclip.evaluation.files import category_files, get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, folder_or_store
from hf_compclip.evaluation.metrics import accuracy, beats_all, mean
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.scorer import EmbeddingScorer

SOURCE = "https://github.com/Sri-Harsha/scpp/tree/main/data"
CATEGORIES = ("replace_att", "replace_obj", "replace_rel", "swap_att", "swap_obj")


def read_sugarcrepe_pp_file(path: Path, category: str) -> list[ChoiceItem]:
    """Items of one file: a JSON list (or dict) of {filename, caption, caption2, negative_caption}."""
    items = []
    for position, record in records_of(read_json(path), path):
        where = f"{path}, item {position}"
        item_id = str(record.get("id", position)) if isinstance(record, dict) else position
        items.append(
            ChoiceItem(
                image=ImageRef(get_field(record, "filename", where, str)),
                positives=(get_field(record, "caption", where, str), get_field(record, "caption2", where, str)),
                negatives=(get_field(record, "negative_caption", where, str),),
                category=category,
                id=f"{category}/{item_id}",
            )
        )
    return items


@dataclass
class SugarCrepePlusPlus:
    name: str
    items: list[ChoiceItem]
    images: ImageStore
    primary: str = "itt"

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult:
        texts_needed = (text for item in self.items for text in item.positives + item.negatives)
        images, texts = scorer.encode((item.image for item in self.items), texts_needed, self.images, self.name)
        itt = [beats_all(p, n) for p, n in choice_similarities(self.items, images, texts)]
        tot = [self._text_only(item, texts.rows(item.positives + item.negatives)) for item in self.items]
        scores: dict[str, float] = {}
        counts: dict[str, int] = {}
        categories = [c for c in CATEGORIES if any(item.category == c for item in self.items)]
        for category in categories:
            chosen = [i for i, item in enumerate(self.items) if item.category == category]
            scores[f"{category}/itt"] = accuracy([itt[i] for i in chosen])
            scores[f"{category}/tot"] = accuracy([tot[i] for i in chosen])
            counts[f"{category}/itt"] = counts[f"{category}/tot"] = len(chosen)
        scores["itt"] = mean(scores[f"{c}/itt"] for c in categories)
        scores["tot"] = mean(scores[f"{c}/tot"] for c in categories)
        counts["itt"] = counts["tot"] = len(self.items)
        return BenchmarkResult(self.name, scores, counts, self.primary, {"categories": categories})

    @staticmethod
    def _text_only(item: ChoiceItem, rows: torch.Tensor) -> bool:
        first, second, negative = rows
        paraphrase = float(first @ second)
        return paraphrase > float(first @ negative) and paraphrase > float(second @ negative)


def load_sugarcrepe_pp(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    categories: Iterable[str] | None = None,
    images: ImageStore | None = None,
    name: str = "sugarcrepe_pp",
) -> SugarCrepePlusPlus:
    """SugarCrepe++ from ``data_root`` holding any of its five files (``replace_att.json`` ...), images by name."""
    data_root = Path(data_root)
    wanted = category_files(data_root, categories, CATEGORIES, name, SOURCE)
    items = []
    for category in wanted:
        items += read_sugarcrepe_pp_file(require_file(data_root / f"{category}.json", name, SOURCE), category)
    store = folder_or_store(image_root, images, name)
    require_images(items, store, name)
    return SugarCrepePlusPlus(name, items, store)
