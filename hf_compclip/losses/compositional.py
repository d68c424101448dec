"""CE-CLIP's total loss ``L_itc + imc_weight * L_imc + cmr_weight * L_cmr``, on one process or many."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hf_compclip.losses.cmr import ThresholdMode, cmr_loss, next_thresholds
from hf_compclip.losses.distributed import gather_batch, sum_over_processes
from hf_compclip.losses.imc import ImcNegatives, imc_loss
from hf_compclip.losses.itc import ItcNegatives, itc_loss

CITATION = """@inproceedings{zhang2024contrasting,
  title     = {Contrasting Intra-Modal and Ranking Cross-Modal Hard Negatives to Enhance Visio-Linguistic
               Compositional Understanding},
  author    = {Zhang, Le and Awal, Rabiul and Agrawal, Aishwarya},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2024}
}"""


@dataclass
class CompositionalLossOutput:
    """The differentiable total and, detached, each term over the global batch and the next thresholds."""

    loss: torch.Tensor
    itc_loss: torch.Tensor
    imc_loss: torch.Tensor
    cmr_loss: torch.Tensor
    thresholds: torch.Tensor


def _check_inputs(image, text, negatives, negative_mask, thresholds) -> None:
    if image.ndim != 2 or text.shape != image.shape:
        raise ValueError(
            f"image_embeds and text_embeds must both be [N, D]; got {tuple(image.shape)} and {tuple(text.shape)}"
        )
    if negatives is None:
        return
    size, dim = image.shape
    if negatives.ndim != 3 or negatives.shape[0] != size or negatives.shape[2] != dim:
        raise ValueError(f"negative_embeds must be [N, K, D] = [{size}, K, {dim}]; got {tuple(negatives.shape)}")
    if negative_mask is None or tuple(negative_mask.shape) != tuple(negatives.shape[:2]):
        shape = None if negative_mask is None else tuple(negative_mask.shape)
        raise ValueError(f"negative_mask must be a [N, K] = {tuple(negatives.shape[:2])} bool tensor; got {shape}")
    if thresholds.shape != (negatives.shape[1],):
        raise ValueError(
            f"thresholds must hold one value per negative type, [{negatives.shape[1]}]; got {tuple(thresholds.shape)}"
        )


def compositional_loss(
    image_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    negative_embeds: torch.Tensor | None,
    negative_mask: torch.Tensor | None,
    logit_scale: torch.Tensor | float,
    thresholds: torch.Tensor | None = None,
    *,
    imc_weight: float = 0.3,
    cmr_weight: float = 0.2,
    itc_negatives: ItcNegatives = "batch",
    imc_negatives: ImcNegatives = "own",
    threshold_mode: ThresholdMode = "mean",
    threshold_upper_bound: float = 10.0,
    fixed_threshold: float = 2.0,
) -> CompositionalLossOutput:
    """CE-CLIP's loss for a batch of L2-normalised embeddings, exact under any number of processes.

    Args:
        image_embeds, text_embeds (`torch.Tensor` of shape `[N, D]`): this process's images and their captions.
        negative_embeds (`torch.Tensor` of shape `[N, K, D]`, *optional*): K hard-negative captions per image,
            one per negative type; ``None`` for plain CLIP (then only ITC without hard negatives is possible).
        negative_mask (`torch.BoolTensor` of shape `[N, K]`): ``True`` where a negative is valid. Invalid slots
            never enter a loss, whatever embedding they hold.
        logit_scale (`torch.Tensor` or `float`): the multiplier ``a`` (already exponentiated, e.g. 100).
        thresholds (`torch.Tensor` of shape `[K]`, *optional*): the CMR margins from the previous step, in logit
            units; zeros when omitted (the start of training).
        imc_weight, cmr_weight (`float`): weights of the intra-modal and rank losses; 0 switches a term off (its
            value is still reported). The released CE-CLIP script uses 0.3 and 0.2.
        itc_negatives (`"batch"`, `"own"` or `"none"`): where hard negatives enter the image->text softmax.
        imc_negatives (`"own"` or `"batch"`): which hard negatives IMC contrasts a caption with.
        threshold_mode (`"mean"`, `"max"` or `"fixed"`): how the next CMR thresholds are computed.
        threshold_upper_bound (`float`): the cap of the adaptive thresholds (10 logits = a 0.1 cosine margin).
        fixed_threshold (`float`): the margin of the ``"fixed"`` mode.

    When ``torch.distributed`` is initialised with several processes, the embeddings are gathered with
    autograd, this process's rows are scored against the global batch, every mean is over the global batch
    and the thresholds are computed from it, so all processes agree. ``loss`` then holds the global value on
    every process and its gradient is scaled by the world size, so that the mean DDP (or FSDP, or DeepSpeed)
    takes over processes yields the gradient of one process on the whole batch.
    """
    if negative_embeds is None and (itc_negatives != "none" or imc_weight > 0 or cmr_weight > 0):
        raise ValueError(
            "negative_embeds is None but the loss needs hard negatives: pass them, or use itc_negatives='none' "
            "with imc_weight=0 and cmr_weight=0 for plain CLIP"
        )
    dtype = torch.promote_types(image_embeds.dtype, torch.float32)  # half precision in, float32 math
    image, text = image_embeds.to(dtype), text_embeds.to(dtype)
    negatives = None if negative_embeds is None else negative_embeds.to(dtype)
    mask = None if negative_mask is None else negative_mask.to(device=image.device, dtype=torch.bool)
    num_types = 0 if negatives is None else negatives.shape[1]
    if threshold_mode == "fixed":
        thresholds = image.new_full((num_types,), fixed_threshold)  # fixed from the first step on
    elif thresholds is None:
        thresholds = image.new_zeros(num_types)
    thresholds = thresholds.detach().to(device=image.device, dtype=dtype)
    _check_inputs(image, text, negatives, mask, thresholds)
    scale = torch.as_tensor(logit_scale, device=image.device).to(dtype)

    with torch.autocast(image.device.type, enabled=False):  # a caller's autocast would run the logits in bf16
        batch = gather_batch(image, text, negatives, mask)
        hard = (batch.image, batch.text, batch.negatives, batch.negative_mask, scale)
        itc = itc_loss(batch.image, batch.text, scale, batch.rows, batch.negatives, batch.negative_mask, itc_negatives)
        zero = itc.new_zeros(())
        imc = imc_loss(*hard, batch.rows, imc_negatives) if negatives is not None else zero
        cmr = cmr_loss(*hard, thresholds, batch.rows) if negatives is not None else zero
        total = itc + (imc_weight * imc if imc_weight > 0 else 0.0) + (cmr_weight * cmr if cmr_weight > 0 else 0.0)

        if negatives is not None:
            thresholds = next_thresholds(*hard, thresholds, threshold_mode, threshold_upper_bound, fixed_threshold)
        terms = sum_over_processes(torch.stack([total, itc, imc, cmr]))
        if batch.world_size > 1:
            # The value of the global loss, with the gradient of this process's rows scaled against DDP's mean.
            scaled = total * batch.world_size
            total = scaled + (terms[0] - scaled).detach()
        return CompositionalLossOutput(
            loss=total, itc_loss=terms[1], imc_loss=terms[2], cmr_loss=terms[3], thresholds=thresholds
        )
