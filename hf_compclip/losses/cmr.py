"""Cross-modal rank loss (CMR) with CE-CLIP's adaptive per-type thresholds.

The hinge asks an image to prefer its caption over each of its hard negatives by a margin ``tau_k`` (in
logit units) that depends on the negative's type. ``tau_k`` is read from the previous step's batch, as the
gap between the mean positive score and the mean score of type-``k`` negatives, clamped to
``[0, upper_bound]``: types the model already separates get a larger margin, which the paper reads as a
curriculum (its Fig. 5b). Unlike the official code, the mean runs over valid negatives only, and the
thresholds are training state that survives epochs and checkpoints.
"""

from __future__ import annotations

from typing import Literal

import torch

ThresholdMode = Literal["mean", "max", "fixed"]

MAX_MODE_DIVISOR = 5.0
"""The official code's ``max`` variant sets ``tau_k = max_i gap_ik / 5``."""


def _image_scores(image, text, negatives, logit_scale) -> tuple[torch.Tensor, torch.Tensor]:
    """Each image's logit for its caption ``[N]`` and for each of its hard negatives ``[N, K]``."""
    positive = logit_scale * (image * text).sum(-1)
    return positive, logit_scale * torch.einsum("nd,nkd->nk", image, negatives)


def cmr_loss(
    image: torch.Tensor,
    text: torch.Tensor,
    negatives: torch.Tensor,
    negative_mask: torch.Tensor,
    logit_scale: torch.Tensor,
    thresholds: torch.Tensor,
    rows: slice,
) -> torch.Tensor:
    """This process's share of ``L_cmr``: hinges of its rows over the number of valid ``(i, k)`` of the global batch."""
    positive, negative = _image_scores(image[rows], text[rows], negatives[rows], logit_scale)
    hinge = torch.relu(thresholds[None, :] + negative - positive[:, None])
    hinge = hinge.masked_fill(~negative_mask[rows], 0.0)
    return hinge.sum() / negative_mask.sum().clamp(min=1)


@torch.no_grad()
def next_thresholds(
    image: torch.Tensor,
    text: torch.Tensor,
    negatives: torch.Tensor,
    negative_mask: torch.Tensor,
    logit_scale: torch.Tensor,
    thresholds: torch.Tensor,
    mode: ThresholdMode = "mean",
    upper_bound: float = 10.0,
    fixed_value: float = 2.0,
) -> torch.Tensor:
    """The thresholds for the next step, from this step's global batch.

    A type with no valid negative in the batch keeps its previous threshold: the batch says nothing about it.
    """
    if mode == "fixed":
        return torch.full_like(thresholds, fixed_value)
    positive, negative = _image_scores(image, text, negatives, logit_scale)
    valid_count = negative_mask.sum(0)
    if mode == "mean":
        mean_negative = negative.masked_fill(~negative_mask, 0.0).sum(0) / valid_count.clamp(min=1)
        gap = positive.mean() - mean_negative
    else:
        gap = (positive[:, None] - negative).masked_fill(~negative_mask, float("-inf")).amax(0) / MAX_MODE_DIVISOR
    return torch.where(valid_count > 0, gap.clamp(0.0, upper_bound), thresholds)
