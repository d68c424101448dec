"""Image-text contrastive loss (ITC) with hard-negative captions in the image->text direction.

CE-CLIP's ``itc(hn)``: each image is classified among the batch's captions plus hard negatives; the
text->image direction stays plain CLIP, since a hard negative has no image of its own. Invalid negatives
(placeholders for a slot the generator could not fill) are masked out of every softmax; the official code
leaves them in.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

ItcNegatives = Literal["batch", "own", "none"]
"""Where hard negatives enter an image's softmax: every valid negative of the global batch (the official
code, ``N x (N + N*K)`` logits), only the image's own ``K`` negatives, or none (plain CLIP)."""


def itc_loss(
    image: torch.Tensor,
    text: torch.Tensor,
    logit_scale: torch.Tensor,
    rows: slice,
    negatives: torch.Tensor | None = None,
    negative_mask: torch.Tensor | None = None,
    hard_negatives: ItcNegatives = "batch",
) -> torch.Tensor:
    """This process's share of ``(L_i2t + L_t2i) / 2``: the rows ``rows`` of the global batch, over global ``N``.

    ``image`` and ``text`` are the global ``[N, D]`` embeddings, ``negatives`` ``[N, K, D]`` and
    ``negative_mask`` ``[N, K]``; all are normalised.
    """
    size = image.shape[0]
    labels = torch.arange(size, device=image.device)[rows]
    image_rows, text_rows = image[rows], text[rows]
    image_to_text = logit_scale * image_rows @ text.T
    if hard_negatives == "batch":
        negative_logits = logit_scale * image_rows @ negatives.flatten(0, 1).T
        negative_logits = negative_logits.masked_fill(~negative_mask.flatten()[None, :], float("-inf"))
        image_to_text = torch.cat([image_to_text, negative_logits], dim=1)
    elif hard_negatives == "own":
        negative_logits = logit_scale * torch.einsum("nd,nkd->nk", image_rows, negatives[rows])
        negative_logits = negative_logits.masked_fill(~negative_mask[rows], float("-inf"))
        image_to_text = torch.cat([image_to_text, negative_logits], dim=1)
    text_to_image = logit_scale * text_rows @ image.T
    summed = F.cross_entropy(image_to_text, labels, reduction="sum") + F.cross_entropy(
        text_to_image, labels, reduction="sum"
    )
    return summed / (2 * size)
