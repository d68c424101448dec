"""Pushing a model folder: exactly the model, processor and card go up in one commit; the token goes nowhere else."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from transformers import CLIPModel

from hf_compclip.hub import PushError, push_model

from .recording_hf_api import RecordingHfApi

TOKEN = "hf_TESTsecretTOKEN0123456789"
MODEL_FILES = {
    "README.md",
    "config.json",
    "model.safetensors",
    "processor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
}


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_push_sends_model_processor_and_card_in_one_commit(saved_tiny_model: Path, caplog, capsys) -> None:
    api = RecordingHfApi()
    before = _fingerprint(saved_tiny_model)

    with caplog.at_level(logging.DEBUG):
        url = push_model(saved_tiny_model, "org/compclip", TOKEN, private=True, commit_message="First model", api=api)

    assert url == "https://huggingface.co/org/compclip/commit/0123abcd"
    assert [name for name, _ in api.calls] == ["create_repo", "create_commit"]
    repo_call, commit_call = (kwargs for _, kwargs in api.calls)
    assert repo_call == {
        "repo_id": "org/compclip",
        "token": TOKEN,
        "private": True,
        "repo_type": "model",
        "exist_ok": True,
    }
    assert commit_call["commit_message"] == "First model"
    assert commit_call["repo_type"] == "model"
    assert commit_call["revision"] is None

    # no checkpoint-*/, runs/, optimizer.pt, training_args.bin, compositional_state.json, *_results.json, and no
    # adapter_* files, which would make from_pretrained apply a LoRA adapter on top of the merged weights
    assert set(api.sent_files) == MODEL_FILES
    assert api.sent_files["model.safetensors"] == (saved_tiny_model / "model.safetensors").read_bytes()
    card = api.sent_files["README.md"].decode()
    assert 'CLIPModel.from_pretrained("org/compclip")' in card  # the placeholder id is filled in at push
    assert "path/to/this/folder" in (saved_tiny_model / "README.md").read_text()

    assert _fingerprint(saved_tiny_model) == before
    assert TOKEN not in caplog.text
    assert TOKEN not in capsys.readouterr().out
    assert all(TOKEN.encode() not in (saved_tiny_model / name).read_bytes() for name in before)


def test_sent_folder_loads_as_clip_model(saved_tiny_model: Path, tmp_path: Path) -> None:
    api = RecordingHfApi()
    push_model(saved_tiny_model, "org/compclip", api=api)
    for name, content in api.sent_files.items():
        (tmp_path / name).write_bytes(content)
    assert isinstance(CLIPModel.from_pretrained(tmp_path), CLIPModel)


@pytest.mark.parametrize(
    ("fail_at", "step"), [("create_repo", "creating the repository"), ("create_commit", "uploading")]
)
def test_failed_push_says_why_without_the_token(saved_tiny_model: Path, fail_at: str, step: str, caplog) -> None:
    api = RecordingHfApi(fail_at=fail_at)
    before = _fingerprint(saved_tiny_model)

    with caplog.at_level(logging.DEBUG), pytest.raises(PushError) as raised:
        push_model(saved_tiny_model, "org/compclip", TOKEN, api=api)

    message = str(raised.value)
    assert "org/compclip" in message
    assert step in message
    assert "401 Client Error" in message
    assert "write access" in message
    assert TOKEN not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    assert TOKEN not in caplog.text
    assert _fingerprint(saved_tiny_model) == before
    assert [name for name, _ in api.calls][-1] == fail_at


def test_incomplete_folder_is_refused_before_any_request(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    api = RecordingHfApi()
    with pytest.raises(ValueError, match=r"missing model\.safetensors or model\.safetensors\.index\.json.*README\.md"):
        push_model(tmp_path, "org/compclip", api=api)
    assert api.calls == []


def test_bad_repo_id(saved_tiny_model: Path) -> None:
    with pytest.raises(ValueError, match="org/name"):
        push_model(saved_tiny_model, "compclip", api=RecordingHfApi())


def test_card_argument_replaces_readme_without_touching_the_folder(saved_tiny_model: Path) -> None:
    api = RecordingHfApi()
    before = (saved_tiny_model / "README.md").read_text()
    push_model(saved_tiny_model, "org/compclip", api=api, card="# fresh card\n")
    assert api.sent_files["README.md"] == b"# fresh card\n"
    assert (saved_tiny_model / "README.md").read_text() == before
