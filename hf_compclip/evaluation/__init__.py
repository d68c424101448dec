"""Evaluation of CLIP-like models on compositional benchmarks, zero-shot classification and retrieval.

Imports nothing from ``hf_compclip.training``: any model with ``get_image_features`` / ``get_text_features``
(transformers' ``CLIPModel``, converted open_clip checkpoints) can be scored.
"""

from pathlib import Path

from hf_compclip.evaluation.aro import load_vg_attribution, load_vg_relation, symmetric_relations
from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, score_choices
from hf_compclip.evaluation.evaluator import CompositionalEvaluator, evaluate
from hf_compclip.evaluation.hub import choice_items_from_dataset, load_sugarcrepe_from_hub, sugarcrepe_from_datasets
from hf_compclip.evaluation.images import FolderImages, ImageRef, ImageStore, InMemoryImages
from hf_compclip.evaluation.order import load_order, order_options, spacy_tagger
from hf_compclip.evaluation.registry import BENCHMARKS, load_benchmarks
from hf_compclip.evaluation.results import BenchmarkResult, flatten, save_results, to_markdown
from hf_compclip.evaluation.retrieval import load_retrieval
from hf_compclip.evaluation.scorer import EmbeddingScorer
from hf_compclip.evaluation.sugarcrepe import load_sugarcrepe
from hf_compclip.evaluation.sugarcrepe_pp import load_sugarcrepe_pp
from hf_compclip.evaluation.valse import load_valse
from hf_compclip.evaluation.vl_checklist import load_vl_checklist
from hf_compclip.evaluation.winoground import load_winoground, load_winoground_from_hub, winoground_from_rows
from hf_compclip.evaluation.zeroshot import (
    classification_from_dataset,
    load_classification_from_hub,
    load_image_folder,
)

COMPOSITIONAL_ACCURACY_METRIC = str(Path(__file__).parent / "compositional_accuracy")
"""Path for ``evaluate.load(COMPOSITIONAL_ACCURACY_METRIC)``."""

__all__ = [
    "BENCHMARKS",
    "COMPOSITIONAL_ACCURACY_METRIC",
    "BenchmarkResult",
    "ChoiceBenchmark",
    "ChoiceItem",
    "CompositionalEvaluator",
    "EmbeddingScorer",
    "FolderImages",
    "ImageRef",
    "ImageStore",
    "InMemoryImages",
    "choice_items_from_dataset",
    "classification_from_dataset",
    "evaluate",
    "flatten",
    "load_benchmarks",
    "load_classification_from_hub",
    "load_image_folder",
    "load_order",
    "load_retrieval",
    "load_sugarcrepe",
    "load_sugarcrepe_from_hub",
    "load_sugarcrepe_pp",
    "load_valse",
    "load_vg_attribution",
    "load_vg_relation",
    "load_vl_checklist",
    "load_winoground",
    "load_winoground_from_hub",
    "order_options",
    "save_results",
    "score_choices",
    "spacy_tagger",
    "sugarcrepe_from_datasets",
    "symmetric_relations",
    "to_markdown",
    "winoground_from_rows",
]
