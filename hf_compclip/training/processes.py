"""The end of a multi-process run, for scripts launched with ``accelerate launch`` or ``torchrun``."""

from __future__ import annotations

import gc


def end_processes() -> None:
    """Wait for every process, let go of finished models, then close the process group.

    A process that exits with its group still open, or that closes the group while a DDP wrapper still holds
    it, can abort in the collective library's threads ("terminate called without an active exception"); under
    load one rank does so now and then, and the launcher reports the whole run as failed. Call this after the
    last save, once no trainer is needed; on a single process it does nothing.
    """
    from accelerate import PartialState

    state = PartialState()
    if state.num_processes == 1:
        return
    state.wait_for_everyone()
    gc.collect()  # the finished trainers' DDP wrappers, kept alive by reference cycles, hold the group
    state.destroy_process_group()
