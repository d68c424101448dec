"""Model cards written from what a run did: its base, data, negatives, losses, settings, plots and scores.

The card is rendered from plain values (no training objects), so the trainer, the converter and a user with
a folder of results all produce the same document. Scores go twice: as a table for people, and as
``model-index`` metadata (``EvalResult`` entries) that the Hub indexes and that :func:`card_eval_results`
reads back unchanged.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from numbers import Real
from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

TEMPLATE_NAME = "model_card.md"
DEFAULT_MODEL_NAME = "compclip-model"
# Stands in for the repository id in the loading snippet of a card saved before the model had one; a push fills it.
LOCAL_PLACEHOLDER_ID = "path/to/this/folder"
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")

_COMPOSITIONAL = ("image-text-matching", "Compositional image-text matching")
_ZERO_SHOT = ("zero-shot-image-classification", "Zero-shot image classification")
_RETRIEVAL = ("image-text-retrieval", "Image-text retrieval")

# Display names keyed by a spelling without case or separators: the evaluation harness's names
# (hf_compclip.evaluation.registry: ``sugarcrepe_pp``, ``aro_relation``, ``coco_order``, ``zeroshot``, ...)
# and the papers' spellings ("SugarCrepe++", "ARO VG-Relation", ...).
_BENCHMARK_NAMES = {
    "sugarcrepe": "SugarCrepe",
    "sugarcrepepp": "SugarCrepe++",
    "sugarcrepe++": "SugarCrepe++",
    "arorelation": "ARO VG-Relation",
    "arovgrelation": "ARO VG-Relation",
    "aroattribution": "ARO VG-Attribution",
    "arovgattribution": "ARO VG-Attribution",
    "cocoorder": "ARO COCO-Order",
    "arococoorder": "ARO COCO-Order",
    "flickr30korder": "ARO Flickr30k-Order",
    "aroflickr30korder": "ARO Flickr30k-Order",
    "valse": "VALSE",
    "vlchecklist": "VL-CheckList",
    "winoground": "Winoground",
    "zeroshot": "Zero-shot classification",
    "imagenet": "ImageNet",
    "imagenetzeroshot": "ImageNet",
    "cocoretrieval": "COCO retrieval",
    "flickr30kretrieval": "Flickr30k retrieval",
}
_ZERO_SHOT_MARKERS = ("zeroshot", "imagenet", "cifar")


def _normalise(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name.strip().lower())


def _task(benchmark: str) -> tuple[str, str]:
    """Retrieval and zero-shot classification by name (``coco_retrieval``, ``zeroshot_cifar10``); the rest of
    the harness's benchmarks choose between captions, i.e. image-text matching."""
    key = _normalise(benchmark)
    if "retrieval" in key:
        return _RETRIEVAL
    if any(marker in key for marker in _ZERO_SHOT_MARKERS):
        return _ZERO_SHOT
    return _COMPOSITIONAL


def _format(value: Any) -> str:
    """A table cell: floats to four significant digits, pipes escaped so a value cannot split its row."""
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(key), _format(value)) for key, value in (values or {}).items()]


def _check_numbers(table: Mapping[str, Mapping[str, Any]], what: str) -> None:
    for benchmark, metrics in table.items():
        if not isinstance(metrics, Mapping):
            raise ValueError(f"{what}[{benchmark!r}] must map metric names to numbers, got {type(metrics).__name__}")
        for metric, value in metrics.items():
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise ValueError(f"{what}[{benchmark!r}][{metric!r}] must be a finite number, got {value!r}")


def eval_results_to_hub(eval_results: Mapping[str, Mapping[str, float]]) -> list[EvalResult]:
    """``{benchmark: {metric: value}}`` as Hub ``EvalResult`` entries; the keys are kept verbatim for the round trip."""
    _check_numbers(eval_results, "eval_results")
    entries = []
    for benchmark, metrics in eval_results.items():
        task_type, task_name = _task(benchmark)
        for metric, value in metrics.items():
            entries.append(
                EvalResult(
                    task_type=task_type,
                    task_name=task_name,
                    dataset_type=benchmark,
                    dataset_name=_BENCHMARK_NAMES.get(_normalise(benchmark), benchmark),
                    metric_type=metric,
                    metric_name=metric,
                    metric_value=float(value),
                )
            )
    return entries


def card_eval_results(card: ModelCard | str | Path) -> dict[str, dict[str, float]]:
    """The ``{benchmark: {metric: value}}`` dict stored in a card's model-index (a card, its text, or a path).

    A string naming an existing file is read as a path; a string of several lines is the card's text. A Hub id
    is not looked up, so this never reaches the network.
    """
    if not isinstance(card, ModelCard):
        is_path = isinstance(card, Path) or os.path.isfile(card)  # isfile: False, not an error, for long text
        if not is_path and "\n" not in card:
            # a card's metadata spans several lines, so one line is a path that is missing
            raise FileNotFoundError(f"model card {card} not found")
        card = ModelCard.load(Path(card)) if is_path else ModelCard(card)
    results: dict[str, dict[str, float]] = {}
    for entry in card.data.eval_results or []:
        results.setdefault(entry.dataset_type, {})[entry.metric_type] = entry.metric_value
    return results


def render_model_card(
    *,
    base_model: str | None,
    model_name: str | None = None,
    repo_id: str | None = None,
    datasets: Sequence[str] = (),
    negatives_generator: str | None = None,
    negatives_quality: Mapping[str, float] | None = None,
    loss_config: Mapping[str, Any] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    eval_results: Mapping[str, Mapping[str, float]] | None = None,
    threshold_plot: str | Path | None = None,
    conversion: Mapping[str, str] | None = None,
    license: str | None = None,
    tags: Iterable[str] = (),
) -> str:
    """The card's Markdown text with YAML metadata.

    Args:
        base_model: the checkpoint training started from (a Hub id or a path); ``None`` for a conversion.
        model_name: the name in the model-index; defaults to the last part of ``repo_id``.
        repo_id: where the model lives or will live, used in the loading snippet.
        datasets: training data; names that look like Hub dataset ids also go into the metadata.
        negatives_generator: the hard-negative generator's name (and version), e.g. ``"ce-clip-spacy@1"``.
        negatives_quality: the generator's quality figures (e.g. blind-classifier accuracy, valid fraction).
        loss_config: loss names, weights and threshold settings.
        hyperparameters: optimiser, schedule, batch size, epochs, seed, ...
        eval_results: ``{benchmark: {metric: value}}``, rendered as a table and as model-index metadata.
        threshold_plot: the CMR threshold-curve image; the card links it by file name, next to README.md.
        conversion: provenance of a converted checkpoint (source, architecture, activation and why).
    """
    trained = conversion is None
    model_name = model_name or (repo_id.split("/")[-1] if repo_id else DEFAULT_MODEL_NAME)
    eval_entries = eval_results_to_hub(eval_results) if eval_results else None
    _check_numbers({"negatives_quality": negatives_quality or {}}, "")
    hub_datasets = [name for name in datasets if _HUB_ID.match(name)]
    # A local folder (a pretraining stage, a checkpoint) is stated in the text; the Hub's metadata wants a repo id.
    hub_base_model = base_model if base_model and _HUB_ID.match(base_model) and not Path(base_model).exists() else None
    default_tags = ["clip", "compositionality", "hf-compclip"] + (["ce-clip", "hard-negatives"] if trained else [])
    card_data = ModelCardData(
        base_model=hub_base_model,
        datasets=hub_datasets or None,
        eval_results=eval_entries,
        language="en",
        library_name="transformers",
        license=license,
        model_name=model_name,
        pipeline_tag="zero-shot-image-classification",
        tags=list(dict.fromkeys([*default_tags, *tags])),
    )
    # The ablation's control trains with the plain CLIP loss (the rule of CompositionalCLIPConfig.uses_negatives);
    # its card must not claim CE-CLIP. Without a loss config, the card keeps describing CE-CLIP.
    plain_clip_loss = bool(loss_config) and not (
        loss_config.get("itc_negatives", "batch") != "none"
        or loss_config.get("imc_weight", 0) > 0
        or loss_config.get("cmr_weight", 0) > 0
    )
    if trained:
        origin = f"fine-tuned from `{base_model}`" if base_model else "trained from a random initialisation"
        method = "with the plain CLIP loss, as a control" if plain_clip_loss else "with CE-CLIP"
        summary = f"A CLIP model {origin} for compositional image-text understanding {method}."
    else:
        summary = "An open_clip CLIP checkpoint converted to a transformers `CLIPModel`."
    template = resources.files("hf_compclip.hub").joinpath("templates", TEMPLATE_NAME).read_text(encoding="utf-8")
    card = ModelCard.from_template(
        card_data,
        template_str=template,
        title=model_name,
        summary=summary,
        load_id=repo_id or LOCAL_PLACEHOLDER_ID,
        trained=trained,
        hard_negatives=not plain_clip_loss,
        base_model=base_model,
        datasets=list(datasets),
        negatives_generator=negatives_generator,
        negatives_quality=_rows(negatives_quality),
        loss_config=_rows(loss_config),
        hyperparameters=_rows(hyperparameters),
        threshold_plot=Path(threshold_plot).name if threshold_plot else None,
        conversion=_rows(conversion),
        eval_rows=[
            (benchmark, metric, _format(value))
            for benchmark, metrics in (eval_results or {}).items()
            for metric, value in metrics.items()
        ],
    )
    return str(card)


def save_model_card(output_dir: str | Path, **card_inputs: Any) -> Path:
    """Write ``README.md`` into ``output_dir`` (copying the threshold plot beside it) and return its path.

    Takes the keyword arguments of :func:`render_model_card`.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    plot = card_inputs.get("threshold_plot")
    if plot is not None:
        plot = Path(plot)
        if not plot.is_file():
            raise FileNotFoundError(f"threshold_plot {plot} does not exist")
        if plot.resolve() != (output_dir / plot.name).resolve():
            shutil.copyfile(plot, output_dir / plot.name)
    path = output_dir / "README.md"
    path.write_text(render_model_card(**card_inputs), encoding="utf-8")
    return path
