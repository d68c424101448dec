"""VALSE (Parcalabescu et al., ACL 2022): eleven instruments, each a caption and a foil that changes one
linguistic phenomenon (existence, plurality, counting, spatial relations, actions, coreference, FOIL-it nouns).

Only items whose caption at least two of the three annotators accepted are scored (``mturk.caption >= 2``), as
in the paper. ``avg`` is the unweighted mean over the instruments present, ``micro`` pools their items. VALSE
draws on Visual7W, COCO 2014/2017, SWiG and VisDial: an image is looked up directly under the image root, then
under a folder named after the item's ``dataset`` field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, category_scores, require_images
from hf_compclip.evaluation.files import get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, SubfolderImages, folder_or_store

SOURCE = "https://github.com/Heidelberg-NLP/VALSE/tree/main/data"
INSTRUMENTS = (
    "existence",
    "plurals",
    "counting-hard",
    "counting-small-quant",
    "counting-adversarial",
    "relations",
    "action-replacement",
    "actant-swap",
    "coreference-standard",
    "coreference-hard",
    "foil-it",
)
MIN_CAPTION_VOTES = 2


def instrument_metric(instrument: str) -> str:
    return instrument.replace("-", "_")


def read_valse_file(path: Path, instrument: str, min_votes: int = MIN_CAPTION_VOTES) -> tuple[list[ChoiceItem], int]:
    """Items that pass the annotator filter, and how many were filtered out."""
    items, dropped = [], 0
    for item_id, record in records_of(read_json(path), path):
        where = f"{path}, item {item_id}"
        votes = get_field(get_field(record, "mturk", where, dict), "caption", f"{where}, field 'mturk'", int)
        if votes < min_votes:
            dropped += 1
            continue
        image = get_field(record, "image_file", where, str)
        dataset = record.get("dataset", "")
        items.append(
            ChoiceItem(
                image=ImageRef(SubfolderImages.key(dataset, image)),
                positives=(get_field(record, "caption", where, str),),
                negatives=(get_field(record, "foil", where, str),),
                category=instrument_metric(instrument),
                id=f"{instrument}/{item_id}",
            )
        )
    return items, dropped


def load_valse(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    instruments: Iterable[str] | None = None,
    images: ImageStore | None = None,
    min_votes: int = MIN_CAPTION_VOTES,
    name: str = "valse",
) -> ChoiceBenchmark:
    """VALSE from ``data_root`` holding any of the official instrument files (``existence.json`` ...).

    Without ``instruments`` every file present is scored and absent ones are listed in the details.
    """
    data_root = Path(data_root)
    if instruments is None:
        wanted = [i for i in INSTRUMENTS if (data_root / f"{i}.json").is_file()]
        if not wanted:
            raise FileNotFoundError(
                f"{name}: none of the {len(INSTRUMENTS)} instrument files is in {data_root}; see {SOURCE}"
            )
    else:
        wanted = list(instruments)
        unknown = sorted(set(wanted) - set(INSTRUMENTS))
        if unknown:
            raise ValueError(f"{name}: unknown instruments {unknown}; choose from {list(INSTRUMENTS)}")
    items, filtered = [], {}
    for instrument in wanted:
        kept, dropped = read_valse_file(
            require_file(data_root / f"{instrument}.json", name, SOURCE), instrument, min_votes
        )
        items += kept
        filtered[instrument_metric(instrument)] = dropped
    store = SubfolderImages(folder_or_store(image_root, images, name))
    require_images(items, store, name)
    details = {
        "min_caption_votes": min_votes,
        "filtered_by_annotators": filtered,
        "instruments_missing": [i for i in INSTRUMENTS if i not in wanted],
    }
    return ChoiceBenchmark(name, items, store, category_scores, "avg", details)
