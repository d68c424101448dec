"""``hf-compclip eval``: score a checkpoint on compositional benchmarks, write JSON, a markdown table and a plot."""

from __future__ import annotations

import argparse
from pathlib import Path


def parse_roots(values: list[str] | None) -> str | dict[str, str] | None:
    """``DIR`` for every benchmark, or ``NAME=DIR`` entries (repeatable) for one benchmark each."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    mapping = {}
    for value in values:
        name, sep, folder = value.partition("=")
        if not sep:
            raise SystemExit(f"--data-root/--image-root: mix of DIR and NAME=DIR: give NAME=DIR for {value!r}")
        mapping[name.strip()] = folder
    return mapping


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score a CLIP checkpoint on compositional benchmarks",
        description="Score a CLIP checkpoint on SugarCrepe, ARO, VALSE and the other benchmarks, from local files.",
    )
    parser.add_argument("--model", required=True, help="local folder or Hub id of a CLIPModel")
    parser.add_argument(
        "--benchmarks", default="sugarcrepe", help="comma-separated: sugarcrepe,sugarcrepe_pp,aro,valse,..."
    )
    parser.add_argument("--data-root", action="append", help="folder of the official files, or NAME=DIR (repeat)")
    parser.add_argument("--image-root", action="append", help="folder of the images, or NAME=DIR (repeat)")
    parser.add_argument("--output", default="results.json", help="JSON path; .md and .png are written beside it")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0, help="seed of the COCO/Flickr30k order scrambles")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoProcessor, CLIPModel

    from hf_compclip.evaluation.evaluator import evaluate
    from hf_compclip.evaluation.registry import expand_names
    from hf_compclip.evaluation.results import save_results, to_markdown

    names = expand_names(args.benchmarks)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model = CLIPModel.from_pretrained(args.model).to(device)
    processor = AutoProcessor.from_pretrained(args.model)
    options = {name: {"seed": args.seed} for name in names if name.endswith("_order")}
    results = evaluate(
        model,
        processor,
        names,
        parse_roots(args.data_root),
        parse_roots(args.image_root),
        batch_size=args.batch_size,
        options=options,
        show_progress=not args.no_progress,
    )
    metadata = {"model": args.model, "benchmarks": names, "device": str(device), "seed": args.seed}
    path = save_results(results, Path(args.output), metadata)
    print(to_markdown(results))
    print(f"Wrote {path}, {path.with_suffix('.md')} and {path.with_suffix('.png')}")
    return 0
