"""Throughput of the rules generator through ``add_hard_negatives`` on this machine's cores.

    python benchmarks/negatives_throughput.py --coco ../shared/data/coco/coco_karpathy_test.json --repeat 17

The Karpathy test captions are repeated (``--repeat``) to reach the size of COCO-2014 train (414k captions),
written to a file-backed dataset, then processed single-process, with ``num_proc=2``, and rerun from the cache.
Prints seconds, captions per second, and the ratio to the single-process baseline measured in the same run,
and the projected time for 414,113 captions.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from datasets import Dataset, disable_progress_bars, load_from_disk

from hf_compclip.negatives import RulesGenerator, add_hard_negatives, read_captions

COCO_TRAIN_CAPTIONS = 414_113


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coco", required=True)
    parser.add_argument("--repeat", type=int, default=17)
    args = parser.parse_args()
    disable_progress_bars()
    captions = [record["caption"] for record in read_captions(args.coco)]
    # Unique texts, so that no run profits from repeated captions.
    captions = [caption.rstrip() + " " * copy for copy in range(args.repeat) for caption in captions]
    with tempfile.TemporaryDirectory() as folder:
        Dataset.from_dict({"caption": captions}).save_to_disk(f"{folder}/captions")
        dataset = load_from_disk(f"{folder}/captions")
        generator = RulesGenerator()
        results = []
        for label, kwargs in (
            ("single process", {}),
            ("num_proc=2", {"num_proc": 2}),
            ("cached rerun", {"num_proc": 2}),
        ):
            cache = {"load_from_cache_file": label == "cached rerun"}
            start = time.perf_counter()
            add_hard_negatives(dataset, generator, **kwargs, **cache)
            results.append((label, time.perf_counter() - start))
    baseline = results[0][1]
    print(f"{len(captions)} captions, rules generator {generator.negative_types}")
    print(f"{'run':<16}{'seconds':>10}{'captions/s':>14}{'vs single':>11}{'414k projected s':>18}")
    for label, seconds in results:
        print(
            f"{label:<16}{seconds:>10.2f}{len(captions) / seconds:>14.0f}{baseline / seconds:>10.2f}x"
            f"{seconds * COCO_TRAIN_CAPTIONS / len(captions):>18.1f}"
        )


if __name__ == "__main__":
    main()
