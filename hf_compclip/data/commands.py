"""``hf-compclip shapes-world``: write the embedded shapes world's dataset and benchmark to a folder."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "shapes-world",
        help="generate the shapes world: a train/validation/test dataset and its SugarCrepe-format benchmark",
        description="Writes OUT/dataset (datasets.save_to_disk) and OUT/benchmark (SugarCrepe files, images/, "
        "scenes.json). Nothing is downloaded.",
    )
    parser.add_argument("out_dir", help="folder to write dataset/ and benchmark/ into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--image-size", type=int, default=64, help="side of the square pictures in pixels")
    parser.add_argument(
        "--grid", type=int, default=4, help="objects stand at the cell centres of a GRID x GRID lattice; 0: anywhere"
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, help="largest offset from a cell centre, as a fraction of the cell"
    )
    parser.add_argument("--train-size", type=int, default=8000, help="training scenes")
    parser.add_argument("--validation-size", type=int, default=500, help="validation scenes (no held-out combination)")
    parser.add_argument("--test-size", type=int, default=1000, help="test scenes (each shows a held-out combination)")
    parser.add_argument("--captions-per-image", type=int, default=1)
    parser.add_argument("--benchmark-size", type=int, default=300, help="items per benchmark category; 0 for none")
    parser.set_defaults(func=_shapes_world)


def _shapes_world(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from hf_compclip.data.shapes_benchmark import write_shapes_benchmark
    from hf_compclip.data.shapes_dataset import build_shapes_dataset
    from hf_compclip.data.shapes_world import WorldConfig

    config = WorldConfig(seed=args.seed, image_size=args.image_size, grid=args.grid or None, jitter=args.jitter)
    out_dir = Path(args.out_dir)
    dataset = build_shapes_dataset(
        out_dir / "dataset",
        config,
        train_size=args.train_size,
        validation_size=args.validation_size,
        test_size=args.test_size,
        captions_per_image=args.captions_per_image,
    )
    summary = {
        "dataset": {split: len(rows) for split, rows in dataset.items()},
        "held_out": config.held_out.describe(),
    }
    if args.benchmark_size > 0:
        summary["benchmark"] = write_shapes_benchmark(
            out_dir / "benchmark", config, n_per_category=args.benchmark_size
        )
    print(json.dumps(summary, indent=1))
    return 0
