"""Gathering a batch over processes so that a contrastive loss sees the global batch.

Each process keeps its own rows as queries and scores them against the gathered columns. The gather
keeps autograd: its backward sums every process's gradient for this process's slice, so that after
DDP's mean over processes each parameter gets the gradient of one process on the whole batch (the
loss is scaled by the world size to cancel that mean, see ``compositional_loss``). Local batches may
differ in size (the last batch of an epoch); rows are padded for the collective and trimmed after.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.distributed as dist


def world() -> tuple[int, int]:
    """(rank, world size) of the default process group, (0, 1) when none is initialised."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _all_sizes(rows: int, device: torch.device) -> list[int]:
    size = torch.tensor([rows], device=device, dtype=torch.long)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    return [int(s.item()) for s in sizes]


def _gather_padded(tensor: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    padded = tensor.new_zeros((max(sizes), *tensor.shape[1:]))
    padded[: tensor.shape[0]] = tensor
    buffers = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(buffers, padded.contiguous())
    return torch.cat([buffer[:size] for buffer, size in zip(buffers, sizes, strict=True)])


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor: torch.Tensor, sizes: list[int], rank: int) -> torch.Tensor:
        ctx.start, ctx.stop = sum(sizes[:rank]), sum(sizes[: rank + 1])
        return _gather_padded(tensor, sizes)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)  # every process's loss depends on this process's rows
        return grad[ctx.start : ctx.stop], None, None


@dataclass
class GlobalBatch:
    """The gathered batch and where this process's rows sit in it."""

    image: torch.Tensor
    text: torch.Tensor
    negatives: torch.Tensor | None
    negative_mask: torch.Tensor | None
    rows: slice
    world_size: int


def gather_batch(
    image: torch.Tensor,
    text: torch.Tensor,
    negatives: torch.Tensor | None,
    negative_mask: torch.Tensor | None,
) -> GlobalBatch:
    """Gather the local batch from every process (embeddings with autograd, the mask without)."""
    rank, world_size = world()
    if world_size == 1:
        return GlobalBatch(image, text, negatives, negative_mask, slice(0, image.shape[0]), 1)
    sizes = _all_sizes(image.shape[0], image.device)
    start = sum(sizes[:rank])
    gathered_negatives = gathered_mask = None
    if negatives is not None:
        gathered_negatives = _GatherWithGrad.apply(negatives, sizes, rank)
        gathered_mask = _gather_padded(negative_mask.to(torch.uint8), sizes).bool()
    return GlobalBatch(
        image=_GatherWithGrad.apply(image, sizes, rank),
        text=_GatherWithGrad.apply(text, sizes, rank),
        negatives=gathered_negatives,
        negative_mask=gathered_mask,
        rows=slice(start, start + image.shape[0]),
        world_size=world_size,
    )


def sum_over_processes(values: torch.Tensor) -> torch.Tensor:
    """Detached sum of ``values`` over processes (the identity for one process)."""
    values = values.detach().clone()
    if world()[1] > 1:
        dist.all_reduce(values)
    return values
