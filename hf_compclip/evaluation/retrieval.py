"""Image-text retrieval R@1/5/10 on Karpathy-split files: what compositional fine-tuning costs in plain matching.

An image query is answered when any of its captions ranks within the top k; a caption query when its image
does. ``mean`` is the mean of the six recalls (RSUM / 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_compclip.evaluation.files import get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, folder_or_store
from hf_compclip.evaluation.metrics import recall_at_k
from hf_compclip.evaluation.order import KARPATHY_SOURCE
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.scorer import EmbeddingScorer

RETRIEVAL_FILES = {"coco_retrieval": "coco_karpathy_test.json", "flickr30k_retrieval": "flickr30k_test.json"}
KS = (1, 5, 10)


@dataclass
class RetrievalBenchmark:
    name: str
    images_of_queries: list[ImageRef]
    captions: list[str]
    caption_image: list[int]
    images: ImageStore
    primary: str = "mean"

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult:
        image_emb, text_emb = scorer.encode(self.images_of_queries, self.captions, self.images, self.name)
        similarity = image_emb.rows(self.images_of_queries) @ text_emb.rows(self.captions).T
        captions_of_image: list[list[int]] = [[] for _ in self.images_of_queries]
        for caption, image in enumerate(self.caption_image):
            captions_of_image[image].append(caption)
        i2t = recall_at_k(similarity, captions_of_image, KS)
        t2i = recall_at_k(similarity.T, [[image] for image in self.caption_image], KS)
        scores = {f"i2t_r{k}": i2t[k] for k in KS} | {f"t2i_r{k}": t2i[k] for k in KS}
        scores["mean"] = sum(scores.values()) / len(scores)
        counts = {f"i2t_r{k}": len(self.images_of_queries) for k in KS} | {f"t2i_r{k}": len(self.captions) for k in KS}
        return BenchmarkResult(self.name, scores, counts, self.primary)


def load_retrieval(
    benchmark: str, data_root: str | Path, image_root: str | Path | None = None, *, images: ImageStore | None = None
) -> RetrievalBenchmark:
    """``coco_retrieval`` or ``flickr30k_retrieval``: a JSON list of {image, caption: [...]} in ``data_root``."""
    if benchmark not in RETRIEVAL_FILES:
        raise ValueError(f"unknown retrieval benchmark {benchmark!r}; choose from {sorted(RETRIEVAL_FILES)}")
    file_name = RETRIEVAL_FILES[benchmark]
    path = require_file(Path(data_root) / file_name, benchmark, KARPATHY_SOURCE.format(file=file_name))
    refs, captions, owners = [], [], []
    for index, record in records_of(read_json(path), path):
        where = f"{path}, item {index}"
        refs.append(ImageRef(get_field(record, "image", where, str)))
        texts = get_field(record, "caption", where, (list, str))
        for text in [texts] if isinstance(texts, str) else texts:
            captions.append(text)
            owners.append(len(refs) - 1)
    if len(set(refs)) != len(refs):
        raise ValueError(f"{path}: an image is listed twice; Karpathy files hold each test image once")
    store = folder_or_store(image_root, images, benchmark)
    missing = [ref.key for ref in refs if not store.exists(ref.key)]
    if missing:
        raise FileNotFoundError(f"{benchmark}: {len(missing)} images not found, first {store.describe(missing[0])}")
    return RetrievalBenchmark(benchmark, refs, captions, owners, store)
