"""``hf-compclip negatives`` and ``hf-compclip negatives-report``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _options(pairs: list[str], input_path: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs, values read as JSON where they parse (numbers, booleans, lists) and as text otherwise."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise SystemExit(f"--option expects KEY=VALUE, got {pair!r}")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _generator(args: argparse.Namespace):
    from .registry import load_generator

    options = _options(args.option, args.input)
    if args.generator == "negclip" and "path" not in options and args.input.endswith(".tsv"):
        options["path"] = args.input  # the NegCLIP TSV holds both the captions and their negatives
    return load_generator(args.generator, **options)


def _add_common(parser: argparse.ArgumentParser) -> None:
    from .inputs import FORMATS_HELP

    parser.add_argument("--input", required=True, help=f"captions: {FORMATS_HELP}")
    parser.add_argument("--generator", default="rules", choices=("rules", "paper", "negclip"))
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="generator option, repeatable (e.g. seed=1, slots=swap_object,replace_number, path=neg.tsv)",
    )
    parser.add_argument("--caption-field", default="caption", help="caption field of JSON records")
    parser.add_argument("--output", required=True, help="output directory")


def run_negatives(args: argparse.Namespace) -> int:
    from datasets import Dataset

    from .inputs import read_captions
    from .pipeline import add_hard_negatives

    records = read_captions(args.input, caption_field=args.caption_field)
    generator = _generator(args)
    dataset = Dataset.from_dict(
        {"caption": [record["caption"] for record in records], "image": [record["image"] for record in records]}
    )
    dataset = add_hard_negatives(dataset, generator, num_proc=args.num_proc, batch_size=args.batch_size)
    output = Path(args.output)
    dataset.save_to_disk(str(output / "dataset"))
    dataset.to_json(str(output / "negatives.jsonl"), lines=True, force_ascii=False)
    valid = sum(sum(mask) for mask in dataset["negative_mask"])
    print(
        f"{len(dataset)} captions, {valid} valid negatives in slots {list(generator.negative_types)}; "
        f"wrote {output / 'dataset'} and {output / 'negatives.jsonl'}"
    )
    return 0


def run_report(args: argparse.Namespace) -> int:
    from .inputs import read_captions
    from .quality import plot_reports, quality_report, report_markdown

    records = read_captions(args.input, caption_field=args.caption_field)
    if args.limit:
        records = records[: args.limit]
    generator = _generator(args)
    captions = [record["caption"] for record in records]
    report = quality_report(captions, generator(captions), [record["image"] for record in records], args.folds)
    report["generator"] = {"name": generator.name, "config": generator.config(), "fingerprint": generator.fingerprint}
    report["input"] = args.input
    label = args.label or f"{generator.name} on {Path(args.input).name}"
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = report_markdown({label: report})
    (output / "report.md").write_text(table, encoding="utf-8")
    plot_reports({label: report}, str(output / "report.png"))
    print(table)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("negatives", help="add typed hard negative captions to a caption file")
    _add_common(parser)
    parser.add_argument("--num-proc", type=int, default=None, help="worker processes")
    parser.add_argument("--batch-size", type=int, default=1000, help="captions per generator call")
    parser.set_defaults(func=run_negatives)

    parser = subparsers.add_parser(
        "negatives-report", help="coverage, no-op and duplicate rates and blind detectability of hard negatives"
    )
    _add_common(parser)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds of the two judges")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N captions")
    parser.add_argument("--label", default=None, help="source name in the table")
    parser.set_defaults(func=run_report)
