"""The quality table of docs/negatives.md: every offline generator on the 25,000 COCO Karpathy-test captions,
and NegCLIP's released negatives on their own captions as the reference.

    python benchmarks/negatives_report.py --coco ../shared/data/coco/coco_karpathy_test.json \
        --negclip ../shared/data/negclip/valid_neg_clip.tsv --output /tmp/negatives_report

Writes report.json, report.md and report.png (both judges per source and type) under --output.
The paper generator needs en_core_web_sm and distilroberta-base; it is measured only where they load.
The rules generator ranks its candidates with its default context model, fitted on the captions of NegCLIP's
validation file (images disjoint from the Karpathy test split), never on the captions its negatives are judged
on: the judges are trained and tested on Karpathy test folds only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hf_compclip.negatives import load_generator, plot_reports, quality_report, read_captions, report_markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coco", required=True, help="Karpathy-format caption file")
    parser.add_argument("--negclip", required=True, help="NegCLIP TSV (valid_neg_clip.tsv)")
    parser.add_argument("--output", default="negatives_report")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    records = read_captions(args.coco)
    captions, groups = [r["caption"] for r in records], [r["image"] for r in records]
    reports, notes = {}, {}
    for name, options in (("rules", {}), ("paper", {})):
        generator = load_generator(name, **options)
        try:
            start = time.perf_counter()
            rows = generator(captions)
        except (OSError, ImportError) as error:
            notes[name] = f"not measured: {error}"
            print(f"{name}: {notes[name]}")
            continue
        print(f"{name}: {len(captions)} captions in {time.perf_counter() - start:.1f}s")
        reports[f"{name} (COCO test)"] = quality_report(captions, rows, groups, num_folds=args.folds)
    negclip_records = read_captions(args.negclip)
    negclip_captions = [r["caption"] for r in negclip_records]
    reference = load_generator("negclip", path=args.negclip)
    reports["NegCLIP release (COCO val)"] = quality_report(
        negclip_captions, reference(negclip_captions), [r["image"] for r in negclip_records], num_folds=args.folds
    )
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.json").write_text(json.dumps({"reports": reports, "notes": notes}, indent=2) + "\n")
    table = report_markdown(reports)
    (output / "report.md").write_text(table)
    plot_reports(reports, str(output / "report.png"))
    print(table)


if __name__ == "__main__":
    main()
