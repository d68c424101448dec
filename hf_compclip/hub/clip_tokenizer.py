"""OpenAI's CLIP tokenizer rebuilt offline from the BPE file that open_clip ships.

``bpe_simple_vocab_16e6.txt.gz`` holds a version line and then the merges in rank order; OpenAI's CLIP
uses the first 48,894 of them. The vocabulary is implied: the 256 byte symbols, the same with the ``</w>``
word-end marker, one token per merge, then ``<|startoftext|>`` and ``<|endoftext|>`` (ids 49406 and 49407).
Building it here means a converted checkpoint loads with ``AutoProcessor`` without a Hub download.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

from transformers import CLIPTokenizer

BPE_FILE_NAME = "bpe_simple_vocab_16e6.txt.gz"
_NUM_MERGES = 49152 - 256 - 2


def find_open_clip_bpe() -> Path:
    """The BPE file inside an installed ``open_clip_torch``, located without importing it (which needs torchvision)."""
    spec = importlib.util.find_spec("open_clip")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / BPE_FILE_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{BPE_FILE_NAME} not found: install open_clip_torch (`pip install --no-deps open_clip_torch` is enough) "
        "or pass the path of the file, or pass a tokenizer"
    )


def _byte_symbols() -> list[str]:
    """GPT-2's reversible byte-to-character table, in CLIP's vocabulary order: the printable bytes stand for
    themselves and come first; the other bytes follow, moved to code points from 256 upwards so that no BPE
    symbol is whitespace or a control character.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [byte for byte in range(256) if byte not in printable]
    return [chr(byte) for byte in printable] + [chr(256 + index) for index in range(len(others))]


def openai_clip_tokenizer(bpe_path: str | Path | None = None, model_max_length: int = 77) -> CLIPTokenizer:
    """A ``CLIPTokenizer`` with OpenAI's 49,408-token vocabulary, built from ``bpe_path`` (default: open_clip's)."""
    path = Path(bpe_path) if bpe_path is not None else find_open_clip_bpe()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1 : _NUM_MERGES + 1]]
    if len(merges) != _NUM_MERGES or any(len(merge) != 2 for merge in merges):
        raise ValueError(f"{path} is not CLIP's BPE merges file: expected {_NUM_MERGES} lines of two symbols")
    symbols = _byte_symbols()
    tokens = symbols + [symbol + "</w>" for symbol in symbols] + ["".join(merge) for merge in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {token: index for index, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=model_max_length)
