"""The embedded demo: CE-CLIP against plain CLIP training on the shapes world, with nothing to download.

Builds the world (pictures, captions, a test split of unseen combinations and its SugarCrepe-format
benchmark) and adds hard negatives to the training captions with the rules generator (the same pipeline as
for COCO). Then, per seed, it reproduces the paper's setting in miniature: a tiny CLIP is first pretrained
from scratch with the plain CLIP loss (the stand-in for OpenAI's CLIP), and each configuration fine-tunes
that same model. Every model is scored on the held-out benchmark (unseen combinations) and on an
in-distribution one, the table is printed, and every run is saved as a plain ``CLIPModel`` with its card
and threshold plot.

    python recipes/train_shapes.py                                   # plain CLIP vs CE-CLIP, one seed
    python recipes/train_shapes.py --configurations clip,itc_hn,itc_hn_imc,itc_hn_cmr,ce_clip --seeds 0,1,2
    accelerate launch --multi_gpu --num_processes 2 recipes/train_shapes.py   # two processes, exact losses
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from transformers import CLIPModel, CLIPProcessor, HfArgumentParser

from hf_compclip.data import (
    WorldConfig,
    build_shapes_clip,
    build_shapes_dataset,
    load_shapes_dataset,
    load_world_config,
    mask_held_out_negatives,
    scene_from_row,
    write_shapes_benchmark,
)
from hf_compclip.evaluation import CompositionalEvaluator, load_sugarcrepe
from hf_compclip.negatives import ContextModel, add_hard_negatives, load_generator
from hf_compclip.training import CompositionalCLIPConfig, CompositionalCLIPTrainer, end_processes
from hf_compclip.training.ablation import ablation_overrides, plot_summary, summarise, summary_markdown

CATEGORIES = ["replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att", "add_obj", "add_att", "avg"]
METRICS = [f"{benchmark}/{category}" for benchmark in ("heldout", "seen") for category in CATEGORIES]

# The fine-tuning stage; the pretraining stage has its own epochs and learning rate (ShapesDemoArguments).
DEMO_DEFAULTS = {
    "output_dir": "outputs/shapes",
    "learning_rate": 2e-4,
    "per_device_train_batch_size": 64,
    "num_train_epochs": 5,
    "warmup_steps": 20,
    "logging_steps": 10,
    "save_strategy": "no",
    "report_to": "none",
    "dataloader_num_workers": 0,
}


@dataclass
class ShapesDemoArguments:
    configurations: str = field(
        default="clip,ce_clip",
        metadata={"help": "Comma-separated ablation rows: clip, itc_hn, itc_hn_imc, itc_hn_cmr, ce_clip."},
    )
    seeds: str = field(default="0", metadata={"help": "Comma-separated training seeds (the world stays the same)."})
    pretrain_epochs: float = field(
        default=10,
        metadata={
            "help": "Epochs of plain CLIP training from scratch before the configurations fine-tune the result, as "
            "CE-CLIP fine-tunes OpenAI's CLIP. 0 trains every configuration from scratch with the fine-tuning "
            "settings (--learning_rate, --num_train_epochs, --warmup_steps): raise them for that. --max_steps caps "
            "both stages."
        },
    )
    pretrain_learning_rate: float = field(
        default=1e-3,
        metadata={"help": "Peak learning rate of the pretraining stage (from scratch needs a large one)."},
    )
    world_seed: int = field(default=0, metadata={"help": "Seed of the world: scenes, captions and benchmark."})
    grid: int = field(
        default=4,
        metadata={"help": "Objects stand near the cell centres of a grid x grid lattice; 0 places them anywhere."},
    )
    jitter: float = field(
        default=0.0, metadata={"help": "Largest offset of an object from its cell centre, as a fraction of a cell."}
    )
    train_size: int = field(default=8000, metadata={"help": "Training scenes (one caption each)."})
    test_size: int = field(
        default=1000, metadata={"help": "Test scenes (unseen combinations) the benchmark draws from."}
    )
    benchmark_size: int = field(default=300, metadata={"help": "Benchmark items per SugarCrepe category."})
    negative_slots: str = field(
        default="swap_object,swap_attribute,replace_attribute,replace_object,replace_relation",
        metadata={"help": "Slots of the rules generator, one typed hard negative each."},
    )
    hidden_size: int = field(default=64, metadata={"help": "Width of both towers of the tiny CLIP."})
    num_layers: int = field(default=2, metadata={"help": "Depth of both towers of the tiny CLIP."})
    patch_size: int = field(default=16, metadata={"help": "Side of the vision tower's square patches, in pixels."})
    world_dir: str | None = field(
        default=None, metadata={"help": "Where the world is built; default output_dir/world."}
    )
    num_proc: int | None = field(default=None, metadata={"help": "Processes for the negatives pipeline."})


def prepare_world(demo: ShapesDemoArguments, args: CompositionalCLIPConfig):
    """The world config, its training split with hard negatives, and the world folder (built once, then reused)."""
    world_dir = Path(demo.world_dir or Path(args.output_dir) / "world")
    config = WorldConfig(seed=demo.world_seed, grid=demo.grid or None, jitter=demo.jitter)
    with args.main_process_first(desc="building the shapes world"):
        if (world_dir / "dataset").is_dir():
            dataset = load_shapes_dataset(world_dir / "dataset")
            built = load_world_config(world_dir / "dataset")
            found = (built.seed, built.grid, built.jitter, len(dataset["train"]), len(dataset["test"]))
            wanted = (config.seed, config.grid, config.jitter, demo.train_size, demo.test_size)
            if found != wanted:
                raise ValueError(
                    f"{world_dir} holds a world with (seed, grid, jitter, train, test) = {found}, not {wanted}: pass "
                    "another --world_dir or delete it"
                )
        else:
            dataset = build_shapes_dataset(
                world_dir / "dataset",
                config,
                train_size=demo.train_size,
                validation_size=100,
                test_size=demo.test_size,
            )
            write_shapes_benchmark(world_dir / "benchmark", config, n_per_category=demo.benchmark_size)
            # In-distribution scenes, none of them a training picture: the score is not one of memory.
            training_scenes = {scene_from_row(row) for row in dataset["train"].select_columns(["objects"])}
            write_shapes_benchmark(
                world_dir / "benchmark_seen",
                config,
                n_per_category=demo.benchmark_size,
                split="validation",
                exclude=training_scenes,
            )
        # The plausibility model that ranks replacements is fitted on the world's own training captions, and
        # replacements keep to its words: a colour becomes one of the world's colours rather than COCO's
        # favourite, "white", and "left of" never becomes "behind", which no caption of the world uses.
        context = ContextModel(dataset["train"]["caption"])
        generator = load_generator(
            "rules", slots=demo.negative_slots, seed=demo.world_seed, context=context, known_words_only=True
        )
        train = add_hard_negatives(dataset["train"], generator, num_proc=demo.num_proc)
        # A negative that states a held-out combination would teach that the test split's captions are false.
        train = train.map(
            mask_held_out_negatives, batched=True, fn_kwargs={"held_out": config.held_out}, desc="held-out check"
        )
    return config, train, world_dir


def shapes_evaluator(world_dir: Path) -> CompositionalEvaluator:
    """Scores on the held-out benchmark (unseen combinations, the headline) and on an in-distribution one."""
    benchmarks = [
        load_sugarcrepe(world_dir / folder, world_dir / folder / "images", name=name)
        for name, folder in (("heldout", "benchmark"), ("seen", "benchmark_seen"))
    ]
    return CompositionalEvaluator(loaded=benchmarks, primary_metric="heldout/avg", show_progress=False)


def negative_coverage(train) -> dict[str, float]:
    """Share of training captions with a valid negative in each slot, for the card."""
    masks = train["negative_mask"]
    types = train[0]["negative_types"]
    return {f"coverage/{name}": sum(row[k] for row in masks) / len(masks) for k, name in enumerate(types)}


def main(argv: list[str] | None = None) -> dict:
    parser = HfArgumentParser((ShapesDemoArguments, CompositionalCLIPConfig))
    parser.set_defaults(**DEMO_DEFAULTS)
    demo, args = parser.parse_args_into_dataclasses(args=argv)
    config, train, world_dir = prepare_world(demo, args)
    evaluator = shapes_evaluator(world_dir)
    card_data = {
        "datasets": [f"hf_compclip shapes world (seed {demo.world_seed}, {demo.train_size} scenes)"],
        "negatives_generator": f"rules ({demo.negative_slots})",
        "negatives_quality": negative_coverage(train),
        "tags": ["shapes-world", "demo"],
    }
    runs: dict[str, list[dict[str, float]]] = {}

    def run(name: str, seed: int, model, processor, **overrides) -> Path:
        run_dir = Path(args.output_dir) / name / f"seed{seed}"
        trainer = CompositionalCLIPTrainer(
            model=model,
            args=dataclasses.replace(args, output_dir=str(run_dir), seed=seed, **overrides),
            train_dataset=train,
            processing_class=processor,
            evaluator=evaluator,
            card_data={**card_data, "model_name": f"shapes-{name}-seed{seed}"},
        )
        trainer.train()
        scores = trainer.evaluate()
        trainer.save_model(str(run_dir))
        runs.setdefault(name, []).append({k.removeprefix("eval_"): v for k, v in scores.items() if "/" in k})
        return run_dir

    configurations = {name.strip(): ablation_overrides(name.strip()) for name in demo.configurations.split(",")}
    sizes = {"hidden_size": demo.hidden_size, "num_layers": demo.num_layers, "patch_size": demo.patch_size}
    for seed in (int(s) for s in demo.seeds.split(",")):
        start = None
        if demo.pretrain_epochs > 0:
            model, processor = build_shapes_clip(config, seed=seed, projection_dim=demo.hidden_size, **sizes)
            start = run(
                "pretrained",
                seed,
                model,
                processor,
                num_train_epochs=demo.pretrain_epochs,
                learning_rate=demo.pretrain_learning_rate,
                **ablation_overrides("clip"),
            )
        for name, overrides in configurations.items():
            if start is None:
                model, processor = build_shapes_clip(config, seed=seed, projection_dim=demo.hidden_size, **sizes)
            else:
                model, processor = CLIPModel.from_pretrained(start), CLIPProcessor.from_pretrained(start)
            run(name, seed, model, processor, **overrides)
    summary = summarise(runs)
    if args.should_save:
        table = summary_markdown(summary, METRICS)
        output = Path(args.output_dir)
        (output / "results.json").write_text(json.dumps({"runs": runs, "summary": summary}, indent=1))
        (output / "results.md").write_text(table + "\n")
        plot_summary(summary, METRICS, output / "results.png", title="shapes-world benchmarks (mean ± std)")
        print(table)
    end_processes()
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
