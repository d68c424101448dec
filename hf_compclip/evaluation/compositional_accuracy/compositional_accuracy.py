"""Compositional accuracy as an ``evaluate`` module: load it with ``evaluate.load(path_to_this_folder)``.

An item is correct when every positive score is strictly above every negative score (a tie is wrong), the rule
of SugarCrepe, ARO, VALSE and the other multiple-choice benchmarks. With ``categories`` it also returns the
per-category accuracies and their unweighted (macro) mean, as the benchmarks' papers average them.
"""

from collections import defaultdict

import datasets
import evaluate

_DESCRIPTION = __doc__
_KWARGS_DESCRIPTION = """
Args:
    positive_scores (`list` of `list` of `float`): per item, the scores of the texts that describe the image.
    negative_scores (`list` of `list` of `float`): per item, the scores of the hard negatives.
    categories (`list` of `str`, *optional*): per item, its category (e.g. "replace_att"); passed to
        `compute` with the last batch of scores, not to `add_batch`.
Returns:
    accuracy (`float`): share of items whose positives all beat all negatives.
    macro_accuracy (`float`, with categories): unweighted mean of the per-category accuracies.
    accuracy/<category> (`float`, with categories): accuracy within each category.
Examples:
    >>> metric = evaluate.load("hf_compclip/evaluation/compositional_accuracy")
    >>> metric.compute(positive_scores=[[0.3], [0.2]], negative_scores=[[0.1], [0.2]])
    {'accuracy': 0.5}
"""
_CITATION = """\
@inproceedings{hsieh2023sugarcrepe,
  title={SugarCrepe: Fixing Hackable Benchmarks for Vision-Language Compositionality},
  author={Hsieh, Cheng-Yu and Zhang, Jieyu and Ma, Zixian and Kembhavi, Aniruddha and Krishna, Ranjay},
  booktitle={NeurIPS Datasets and Benchmarks},
  year={2023}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class CompositionalAccuracy(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        scores = datasets.Sequence(datasets.Value("float64"))
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"positive_scores": scores, "negative_scores": scores}),
        )

    def _compute(self, positive_scores, negative_scores, categories=None):
        correct = []
        for index, (positives, negatives) in enumerate(zip(positive_scores, negative_scores, strict=True)):
            if not positives or not negatives:
                raise ValueError(f"item {index}: needs at least one positive and one negative score")
            correct.append(min(positives) > max(negatives))
        if not correct:
            raise ValueError("no items to score")
        result = {"accuracy": sum(correct) / len(correct)}
        if categories is not None:
            buckets = defaultdict(list)
            for category, flag in zip(categories, correct, strict=True):
                buckets[category].append(flag)
            per_category = {c: sum(flags) / len(flags) for c, flags in sorted(buckets.items())}
            result["macro_accuracy"] = sum(per_category.values()) / len(per_category)
            result.update({f"accuracy/{c}": value for c, value in per_category.items()})
        return result
