"""``hf-compclip push`` and ``hf-compclip convert-open-clip`` through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from transformers import CLIPModel

from hf_compclip.cli import main
from hf_compclip.hub import push

from .open_clip_models import SMALL, max_differences, small_open_clip
from .recording_hf_api import RecordingHfApi


def test_push_command(saved_tiny_model: Path, monkeypatch, capsys) -> None:
    api = RecordingHfApi()
    monkeypatch.setattr(push, "HfApi", lambda: api)

    code = main(["push", "--model", str(saved_tiny_model), "--repo", "org/compclip", "--private"])

    assert code == 0
    assert capsys.readouterr().out.strip() == "https://huggingface.co/org/compclip/commit/0123abcd"
    assert api.calls[0][1]["private"] is True
    assert "model.safetensors" in api.sent_files


def test_push_command_failure(saved_tiny_model: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(push, "HfApi", lambda: RecordingHfApi(fail_at="create_commit", failure_status=403))

    code = main(["push", "--model", str(saved_tiny_model), "--repo", "org/compclip"])

    assert code == 1
    error = capsys.readouterr().err
    assert "failed while uploading the commit" in error
    assert "403" in error


def test_convert_command_with_open_clip_model_config(open_clip, tmp_path: Path, capsys) -> None:
    reference = small_open_clip(open_clip, quick_gelu=True)
    checkpoint = tmp_path / "negclip_small.pt"
    torch.save({"epoch": 1, "state_dict": {f"module.{k}": v for k, v in reference.state_dict().items()}}, checkpoint)
    config = tmp_path / "small.json"
    config.write_text(
        json.dumps(
            {
                "embed_dim": SMALL.embed_dim,
                "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "head_width": 32, "patch_size": 8},
                "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 48, "heads": 4, "layers": 2},
            }
        )
    )
    output = tmp_path / "converted"

    code = main(
        [
            "convert-open-clip",
            "--checkpoint",
            str(checkpoint),
            "--model-config",
            str(config),
            "--output-dir",
            str(output),
        ]
    )

    assert code == 0, capsys.readouterr().err
    converted = CLIPModel.from_pretrained(output).eval()
    assert converted.config.text_config.hidden_act == "quick_gelu"  # from the name: NegCLIP fine-tunes OpenAI CLIP
    assert max(max_differences(open_clip, reference, converted, SMALL.image_size)) < 1e-4


def test_convert_command_refuses_to_guess(open_clip, tmp_path: Path, capsys) -> None:
    checkpoint = tmp_path / "epoch_5.pt"
    torch.save(small_open_clip(open_clip, quick_gelu=False).state_dict(), checkpoint)

    code = main(["convert-open-clip", "--checkpoint", str(checkpoint), "--output-dir", str(tmp_path / "out")])

    assert code == 1
    assert "Cannot tell the activation of 'epoch_5.pt'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
