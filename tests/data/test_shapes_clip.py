import random

import pytest
import torch

from hf_compclip.data.shapes_captions import LEAD_INS, RELATION_PHRASES, SIZE_WORDS, caption_scene
from hf_compclip.data.shapes_clip import SHAPES_MAX_LENGTH, build_shapes_clip, shapes_tokenizer
from hf_compclip.data.shapes_world import COLORS, SHAPES, WorldConfig, iter_scenes, render_scene

CONFIG = WorldConfig(seed=0, image_size=32)


@pytest.fixture(scope="module")
def shapes_clip():
    return build_shapes_clip(CONFIG, seed=0, hidden_size=32, num_layers=1, num_heads=2, projection_dim=32)


def test_every_word_of_the_grammar_is_a_single_token():
    tokenizer = shapes_tokenizer(CONFIG)
    words = [*SHAPES, *COLORS, *(w for ws in SIZE_WORDS.values() for w in ws)]
    words += [
        w for phrase in [*(p for ps in RELATION_PHRASES.values() for p in ps), *LEAD_INS] for w in phrase.split()
    ]
    for word in words:
        assert len(tokenizer(word, add_special_tokens=False).input_ids) == 1, word
    assert tokenizer.model_max_length == SHAPES_MAX_LENGTH
    assert {tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id} <= set(range(len(tokenizer)))


def test_captions_fit_and_foreign_words_do_not_end_the_text():
    tokenizer = shapes_tokenizer(CONFIG)
    rng, scenes = random.Random(0), iter_scenes(CONFIG, "test")
    longest = max(len(tokenizer(caption_scene(next(scenes), rng)).input_ids) for _ in range(500))
    assert longest <= SHAPES_MAX_LENGTH - 8  # room for a negative that adds a clause
    ids = tokenizer("a zebra, quietly grazing!").input_ids
    assert ids.count(tokenizer.eos_token_id) == 1 and ids[-1] == tokenizer.eos_token_id


def test_the_model_tells_captions_apart_before_training(shapes_clip):
    model, processor = shapes_clip
    assert model.config.text_config.eos_token_id == processor.tokenizer.eos_token_id
    scenes = iter_scenes(CONFIG, "train")
    images = [render_scene(next(scenes), 32) for _ in range(3)]
    captions = ["a red square left of a blue circle", "a blue circle left of a red square", "there is a big cross"]
    batch = processor(text=captions, images=images, return_tensors="pt", padding=True)
    with torch.no_grad():
        output = model(**batch)
    assert output.logits_per_image.shape == (3, 3)
    text = torch.nn.functional.normalize(output.text_embeds, dim=-1)
    assert (text @ text.T).triu(1).abs().max() < 0.999  # the eos trap would make all texts one embedding
