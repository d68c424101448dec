import json

import pytest

from hf_compclip.evaluation import EmbeddingScorer, load_valse
from hf_compclip.evaluation.valse import INSTRUMENTS

from .conftest import FIXTURES, save_image

DATA = FIXTURES / "valse"


def records(name):
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture
def valse_images(tmp_path):
    """One image per item (its position + 1 as id). Visual7W images lie flat in the root, COCO 2017 ones in a
    folder named after the items' dataset."""
    for number, record in enumerate(records("existence").values(), start=1):
        save_image(tmp_path / record["image_file"], number)
    for number, record in enumerate(records("relations").values(), start=101):
        save_image(tmp_path / record["dataset"] / record["image_file"], number)
    return tmp_path


def test_annotator_filter_and_average_over_instruments(fake_clip, valse_images):
    existence, relations = list(records("existence").values()), list(records("relations").values())
    texts = {}
    for record in existence + relations:
        texts[record["caption"]], texts[record["foil"]] = [1.0, 0.0], [0.0, 1.0]
    images = {number: [1.0, 0.0] for number in [*range(1, 25), *range(101, 125)]}
    kept = [number for number, r in enumerate(existence, start=1) if r["mturk"]["caption"] >= 2]
    for number in kept[:3]:  # three kept existence items answered wrongly
        images[number] = [-1.0, 0.0]
    for number, record in [*enumerate(existence, start=1), *enumerate(relations, start=101)]:
        if record["mturk"]["caption"] < 2:  # filtered-out items answered wrongly: they must not count
            images[number] = [-1.0, 0.0]
    model, processor = fake_clip(texts, images)
    result = load_valse(DATA, valse_images).run(EmbeddingScorer(model, processor, show_progress=False))
    # the slices hold 24 items each, 23 with at least two caption votes (see the fixture's README)
    assert result.counts == {"existence": 23, "relations": 23, "avg": 46, "micro": 46}
    assert result.scores == pytest.approx(
        {"existence": 20 / 23, "relations": 1.0, "avg": (20 / 23 + 1) / 2, "micro": 43 / 46}
    )
    assert result.details["filtered_by_annotators"] == {"existence": 1, "relations": 1}
    assert len(result.details["instruments_missing"]) == 9


def test_foils_shared_with_captions_tie_and_count_wrong(fake_clip, valse_images):
    model, processor = fake_clip({}, {1: [1.0, 0.0]})
    result = load_valse(DATA, valse_images).run(EmbeddingScorer(model, processor, show_progress=False))
    assert result["avg"] == 0.0 and result["micro"] == 0.0


def test_eleven_instruments_and_clear_errors(tmp_path, valse_images):
    assert len(INSTRUMENTS) == 11
    with pytest.raises(FileNotFoundError, match=r"plurals\.json.*Heidelberg-NLP/VALSE"):
        load_valse(DATA, valse_images, instruments=["existence", "plurals"])
    with pytest.raises(FileNotFoundError, match=r"46 of 46 images not found.*nowhere/visual7w/v7w_2371044\.jpg"):
        load_valse(DATA, tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "foil-it.json").write_text('{"x1": {"image_file": "a.jpg", "caption": "c", "foil": "f"}}')
    with pytest.raises(ValueError, match=r"foil-it\.json, item x1: missing field 'mturk'"):
        load_valse(tmp_path / "bad", valse_images)
