"""``hf-compclip interpolate`` and ``hf-compclip interpolate-sweep``: keeping zero-shot accuracy after fine-tuning."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hf_compclip.evaluation.commands import parse_roots

_ZERO_SHOT_BENCHMARKS = ("zeroshot", "coco_retrieval", "flickr30k_retrieval")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "interpolate",
        help="mix a base and a fine-tuned CLIP in weight space",
        description="Write (1 - alpha) * base + alpha * fine-tuned as a plain CLIPModel (safetensors) with its "
        "processor. alpha 0 and 1 reproduce the two checkpoints exactly.",
    )
    parser.add_argument("--base", required=True, help="folder (or Hub id) of the base CLIPModel")
    parser.add_argument("--finetuned", required=True, help="folder of the fine-tuned CLIPModel")
    parser.add_argument("--alpha", type=float, required=True, help="weight of the fine-tuned model, in [0, 1]")
    parser.add_argument("--output", required=True, help="folder to write the interpolated model to")
    parser.set_defaults(func=run_interpolate)

    sweep = subparsers.add_parser(
        "interpolate-sweep",
        help="score interpolated models over alpha and plot the zero-shot / compositional trade-off",
        description="For each alpha, interpolate base and fine-tuned weights, score the model on the benchmarks "
        "(hf-compclip eval's names and folders) and write sweep.json and tradeoff.png.",
    )
    sweep.add_argument("--base", required=True)
    sweep.add_argument("--finetuned", required=True)
    sweep.add_argument("--alphas", default="0,0.25,0.5,0.75,1", help="comma-separated values in [0, 1]")
    sweep.add_argument(
        "--benchmarks", default="sugarcrepe,zeroshot", help="comma-separated, at least one compositional and one "
        "zero-shot benchmark (zeroshot, coco_retrieval or flickr30k_retrieval)",
    )  # fmt: skip
    sweep.add_argument("--data-root", action="append", help="folder of the benchmark files, or NAME=DIR (repeat)")
    sweep.add_argument("--image-root", action="append", help="folder of the images, or NAME=DIR (repeat)")
    sweep.add_argument("--x-metric", default=None, help="zero-shot metric for the x axis (default: its primary)")
    sweep.add_argument("--y-metric", default=None, help="compositional metric for the y axis (default: its primary)")
    sweep.add_argument("--batch-size", type=int, default=64)
    sweep.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    sweep.add_argument("--output", required=True, help="folder for sweep.json and tradeoff.png")
    sweep.set_defaults(func=run_sweep)


def run_interpolate(args: argparse.Namespace) -> int:
    from hf_compclip.training.interpolation import interpolate_checkpoints

    interpolate_checkpoints(args.base, args.finetuned, args.alpha, args.output)
    print(f"Wrote alpha={args.alpha:g} between {args.base} and {args.finetuned} to {args.output}")
    return 0


def _default_metrics(benchmarks: list, x_metric: str | None, y_metric: str | None) -> tuple[str, str]:
    zero_shot = [b for b in benchmarks if b.name in _ZERO_SHOT_BENCHMARKS]
    compositional = [b for b in benchmarks if b.name not in _ZERO_SHOT_BENCHMARKS]
    if x_metric is None:
        if not zero_shot:
            raise SystemExit(f"name a zero-shot benchmark ({', '.join(_ZERO_SHOT_BENCHMARKS)}) or pass --x-metric")
        x_metric = f"{zero_shot[0].name}/{zero_shot[0].primary}"
    if y_metric is None:
        if not compositional:
            raise SystemExit("name a compositional benchmark (e.g. sugarcrepe) or pass --y-metric")
        y_metric = f"{compositional[0].name}/{compositional[0].primary}"
    return x_metric, y_metric


def run_sweep(args: argparse.Namespace) -> int:
    import torch
    from transformers import CLIPModel, CLIPProcessor

    from hf_compclip.evaluation import CompositionalEvaluator
    from hf_compclip.training.interpolation import plot_tradeoff, sweep_interpolation

    alphas = [float(value) for value in args.alphas.split(",") if value.strip()]
    evaluator = CompositionalEvaluator(
        args.benchmarks, parse_roots(args.data_root), parse_roots(args.image_root), batch_size=args.batch_size
    )
    x_metric, y_metric = _default_metrics(evaluator.benchmarks, args.x_metric, args.y_metric)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    base = CLIPModel.from_pretrained(args.base, use_safetensors=True)
    finetuned = CLIPModel.from_pretrained(args.finetuned, use_safetensors=True).to(device)
    processor = CLIPProcessor.from_pretrained(args.finetuned)
    rows = sweep_interpolation(base, finetuned, alphas, lambda model: evaluator(model, processor))
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    record = {"base": args.base, "finetuned": args.finetuned, "x_metric": x_metric, "y_metric": y_metric, "rows": rows}
    (output / "sweep.json").write_text(json.dumps(record, indent=2) + "\n")
    plot_tradeoff(rows, x_metric, y_metric, output / "tradeoff.png")
    for row in rows:
        print(f"alpha={row['alpha']:<5g} {x_metric}={row[x_metric]:.4f} {y_metric}={row[y_metric]:.4f}")
    print(f"Wrote {output / 'sweep.json'} and {output / 'tradeoff.png'}")
    return 0
