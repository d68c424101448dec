"""``hf-compclip push`` and ``hf-compclip convert-open-clip``."""

from __future__ import annotations

import argparse
import logging
import sys


def register(subparsers) -> None:
    push = subparsers.add_parser(
        "push",
        help="upload a saved model folder (model, processor, card) to the Hugging Face Hub",
        description="Upload a saved model folder to the Hub in one commit. The token comes from HF_TOKEN or "
        "`hf auth login`; it is never taken on the command line, where shell history and process lists keep it.",
    )
    push.add_argument("--model", required=True, help="folder written by save_pretrained, with README.md")
    push.add_argument("--repo", required=True, help="repository id, org/name")
    push.add_argument("--private", action="store_true", help="create the repository as private")
    push.add_argument("--revision", default=None, help="branch to commit to (default: main)")
    push.add_argument("--commit-message", default="Upload CLIP model fine-tuned with hf-compclip")
    push.set_defaults(func=_push)

    convert = subparsers.add_parser(
        "convert-open-clip",
        help="convert an open_clip ViT checkpoint into a transformers CLIPModel folder",
        description="Convert an open_clip checkpoint (training dict or plain state dict; .pt, .bin or "
        ".safetensors) into a folder that loads with CLIPModel.from_pretrained and AutoProcessor.",
    )
    convert.add_argument("--checkpoint", required=True, help="the open_clip checkpoint file")
    convert.add_argument("--output-dir", required=True, help="where to write the CLIPModel folder")
    convert.add_argument("--model-name", default="ViT-B-32", help="open_clip architecture name (default ViT-B-32)")
    convert.add_argument(
        "--model-config", default=None, help="open_clip model-config JSON for an architecture missing from the table"
    )
    convert.add_argument(
        "--activation",
        choices=("auto", "quick_gelu", "gelu"),
        default="auto",
        help="auto decides from the checkpoint's name and layout and refuses to guess",
    )
    convert.add_argument("--checkpoint-name", default=None, help="release name when the file name does not say it")
    convert.add_argument("--bpe-path", default=None, help="CLIP's bpe_simple_vocab_16e6.txt.gz (default: open_clip's)")
    convert.set_defaults(func=_convert)


def _push(args: argparse.Namespace) -> int:
    from .push import PushError, push_model

    try:
        url = push_model(
            args.model,
            args.repo,
            private=args.private or None,
            revision=args.revision,
            commit_message=args.commit_message,
        )
    except (PushError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(url)
    return 0


def _convert(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .open_clip_architectures import architecture_from_open_clip_config
    from .open_clip_convert import convert_open_clip_checkpoint

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    architecture = None
    activation = args.activation
    try:
        if args.model_config:
            path = Path(args.model_config)
            architecture, config_quick_gelu = architecture_from_open_clip_config(
                json.loads(path.read_text(encoding="utf-8")), origin=str(path)
            )
            if config_quick_gelu and activation == "auto":
                activation = "quick_gelu"
        convert_open_clip_checkpoint(
            args.checkpoint,
            model_name=args.model_name,
            output_dir=args.output_dir,
            activation=activation,
            architecture=architecture,
            checkpoint_name=args.checkpoint_name,
            bpe_path=args.bpe_path,
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(args.output_dir)
    return 0
