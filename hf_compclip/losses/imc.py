"""Intra-modal contrastive loss (IMC) in the form of the CE-CLIP paper (Eq. 3).

For each caption, the image-caption similarity is the positive and the caption's similarities to hard
negatives *in text space* are the negatives: the loss pushes every hard negative away from its own true
caption, which ITC alone never does. The official code at HEAD instead scores every caption against the
negatives of sample 0 with target column 0 (upstream issue 15); that bug is not offered here.
"""

from __future__ import annotations

from typing import Literal

import torch

ImcNegatives = Literal["own", "batch"]
"""Which hard negatives a caption is contrasted with: its own ``K`` (the paper) or all valid ones of the
global batch."""


def imc_loss(
    image: torch.Tensor,
    text: torch.Tensor,
    negatives: torch.Tensor,
    negative_mask: torch.Tensor,
    logit_scale: torch.Tensor,
    rows: slice,
    hard_negatives: ImcNegatives = "own",
) -> torch.Tensor:
    """This process's share of ``L_imc``: the rows ``rows``, summed, over the global ``N``.

    A row without any valid negative contributes ``log 1 = 0`` but still counts in ``N``, as in the paper's
    ``1/N`` average.
    """
    text_rows = text[rows]
    positive = logit_scale * (image[rows] * text_rows).sum(-1)
    if hard_negatives == "own":
        negative_logits = logit_scale * torch.einsum("nd,nkd->nk", text_rows, negatives[rows])
        valid = negative_mask[rows]
    else:
        negative_logits = logit_scale * text_rows @ negatives.flatten(0, 1).T
        valid = negative_mask.flatten()[None, :].expand_as(negative_logits)
    logits = torch.cat([positive[:, None], negative_logits.masked_fill(~valid, float("-inf"))], dim=1)
    return (torch.logsumexp(logits, dim=1) - positive).sum() / image.shape[0]
