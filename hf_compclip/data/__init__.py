"""Datasets: COCO caption readers and the embedded shapes world (scenes, captions, splits, benchmark, tiny CLIP)."""

from hf_compclip.data.coco import ANNOTATION_FORMATS, CocoCaptions, read_coco_captions
from hf_compclip.data.shapes_benchmark import (
    CATEGORIES,
    BenchmarkItem,
    benchmark_items,
    load_benchmark_scenes,
    write_shapes_benchmark,
)
from hf_compclip.data.shapes_captions import (
    Clause,
    NounPhrase,
    Wording,
    caption_is_true,
    caption_scene,
    describe_scene,
    parse_caption,
    render_caption,
)
from hf_compclip.data.shapes_clip import build_shapes_clip, shapes_clip_config, shapes_corpus, shapes_tokenizer
from hf_compclip.data.shapes_dataset import (
    build_shapes_dataset,
    iter_split_rows,
    load_shapes_dataset,
    load_world_config,
    scene_from_row,
    shapes_features,
)
from hf_compclip.data.shapes_negatives import held_out_mentions, mask_held_out_negatives
from hf_compclip.data.shapes_world import (
    HeldOut,
    Scene,
    ShapeObject,
    WorldConfig,
    iter_scenes,
    relation_between,
    render_scene,
    sample_scene,
    scene_id,
)

__all__ = [
    "ANNOTATION_FORMATS",
    "CATEGORIES",
    "BenchmarkItem",
    "Clause",
    "CocoCaptions",
    "HeldOut",
    "NounPhrase",
    "Scene",
    "ShapeObject",
    "Wording",
    "WorldConfig",
    "benchmark_items",
    "build_shapes_clip",
    "build_shapes_dataset",
    "caption_is_true",
    "caption_scene",
    "describe_scene",
    "held_out_mentions",
    "iter_scenes",
    "iter_split_rows",
    "load_benchmark_scenes",
    "load_shapes_dataset",
    "load_world_config",
    "mask_held_out_negatives",
    "parse_caption",
    "read_coco_captions",
    "relation_between",
    "render_caption",
    "render_scene",
    "sample_scene",
    "scene_from_row",
    "scene_id",
    "shapes_clip_config",
    "shapes_corpus",
    "shapes_features",
    "shapes_tokenizer",
    "write_shapes_benchmark",
]
