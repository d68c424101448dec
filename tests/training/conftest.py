import pytest

from hf_compclip.tiny import build_tiny_clip
from tests.training.data import all_texts


@pytest.fixture(scope="session")
def tiny_clip():
    """A random tiny CLIP and its processor; tests deep-copy the model before training it."""
    return build_tiny_clip(all_texts(), vocab_size=300, image_size=32, seed=0)
