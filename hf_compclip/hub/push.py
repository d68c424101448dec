"""Upload a saved model folder (plain ``CLIPModel`` files, processor, card) to the Hub in one commit.

Everything is checked before the first request, nothing in the folder is written, and the token is only
ever handed to ``HfApi``: it is not logged, printed or stored, and error messages are scrubbed of it in case
a server echoes it back. A failed push raises :class:`PushError` saying which step failed and why.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from huggingface_hub import CommitOperationAdd, HfApi

from .card import LOCAL_PLACEHOLDER_ID

logger = logging.getLogger(__name__)

# Trainer output that is not part of the shipped model: intermediate checkpoints, logs, optimiser state,
# pickled training arguments, the compositional losses' state and result dumps. A LoRA run's folder can also
# hold the adapter beside the merged weights; uploaded, it would make from_pretrained (with peft installed)
# load the base and apply the adapter on top, instead of the plain merged CLIPModel.
DEFAULT_IGNORE_PATTERNS = (
    ".*",
    "checkpoint-*",
    "runs",
    "optimizer.pt",
    "scheduler.pt",
    "rng_state*.pth",
    "scaler.pt",
    "training_args.bin",
    "trainer_state.json",
    "compositional_state.json",
    "adapter_model.safetensors",
    "adapter_config.json",
    "adapter_*",
    "*_results.json",
    "all_results.json",
)
_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json")
_PROCESSOR_FILES = ("preprocessor_config.json", "processor_config.json")
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")


class PushError(RuntimeError):
    """A push that did not complete; the local folder is untouched."""


def _collect(folder: Path, ignore_patterns: Iterable[str]) -> list[Path]:
    patterns = tuple(ignore_patterns)
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(
            fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in patterns
        ):
            files.append(relative)
    return files


def _check_folder(folder: Path, files: list[Path], has_card: bool) -> None:
    names = {path.as_posix() for path in files}
    missing = []
    if "config.json" not in names:
        missing.append("config.json")
    for group in (_WEIGHT_FILES, _PROCESSOR_FILES, _TOKENIZER_FILES):
        if not names.intersection(group):
            missing.append(" or ".join(group))
    if not has_card and "README.md" not in names:
        missing.append("README.md (write it with hf_compclip.hub.save_model_card, or pass card=)")
    if missing:
        raise ValueError(
            f"{folder} is not a complete model folder: missing {'; '.join(missing)}. "
            "Save the model and its processor with save_pretrained first."
        )


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text


def push_model(
    folder: str | Path,
    repo_id: str,
    token: str | None = None,
    *,
    private: bool | None = None,
    commit_message: str = "Upload CLIP model fine-tuned with hf-compclip",
    revision: str | None = None,
    card: str | None = None,
    ignore_patterns: Iterable[str] = DEFAULT_IGNORE_PATTERNS,
    api: Any = None,
) -> str:
    """Create ``repo_id`` if needed and upload ``folder`` as one commit; return the commit URL.

    Args:
        folder: a ``save_pretrained`` folder of the model and its processor, with ``README.md``.
        repo_id: ``"org/name"``.
        token: a Hub token with write access; ``None`` uses ``HF_TOKEN`` or the stored login.
        private: visibility of a newly created repository (``None``: the Hub's default).
        revision: the branch to commit to (default: the main branch).
        card: card text to upload as ``README.md`` instead of the folder's own (the folder is not modified).
        ignore_patterns: file or folder names (glob patterns) to leave out; defaults skip trainer state.
        api: an ``HfApi``-like object (tests pass a recording fake).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"model folder {folder} does not exist")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise ValueError(f"repo_id must look like 'org/name', got {repo_id!r}")
    files = _collect(folder, ignore_patterns)
    _check_folder(folder, files, has_card=card is not None)

    if card is None:
        card = (folder / "README.md").read_text(encoding="utf-8")
    card = card.replace(LOCAL_PLACEHOLDER_ID, repo_id)
    operations = [
        CommitOperationAdd(path_in_repo=path.as_posix(), path_or_fileobj=str(folder / path))
        for path in files
        if path.as_posix() != "README.md"
    ]
    operations.append(CommitOperationAdd(path_in_repo="README.md", path_or_fileobj=card.encode("utf-8")))

    api = api if api is not None else HfApi()
    logger.info("Pushing %d files from %s to %s", len(operations), folder, repo_id)
    step = "creating the repository"
    try:
        api.create_repo(repo_id, token=token, private=private, repo_type="model", exist_ok=True)
        step = "uploading the commit"
        info = api.create_commit(
            repo_id,
            operations,
            commit_message=commit_message,
            token=token,
            repo_type="model",
            revision=revision,
        )
    except Exception as error:
        reason = _scrub(f"{type(error).__name__}: {error}", token)
        hint = ""
        if any(code in reason for code in ("401", "403")):
            hint = " Check that the token (HF_TOKEN or `hf auth login`) has write access to this namespace."
        # `from None`: the original exception may carry request details; the scrubbed reason says what failed.
        raise PushError(
            f"Pushing {folder} to {repo_id} failed while {step}: {reason}.{hint} The local folder is unchanged."
        ) from None
    url = getattr(info, "commit_url", None) or str(info)
    logger.info("Pushed %s to %s", folder, url)
    return url
