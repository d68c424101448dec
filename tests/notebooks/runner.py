"""Execute a notebook in a fresh kernel of the running interpreter, in TINY mode and offline, inside a temp dir.

Everything Jupyter and IPython would write (the kernel spec, connection files, the IPython profile) goes into
the temp dir too, so a run leaves nothing behind in the home directory.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL_NAME = "hf-compclip-notebook-test"


def _kernel_environment(home: Path) -> dict[str, str]:
    """A kernel spec that starts ``sys.executable`` (not whatever ``python3`` a machine's Jupyter knows)."""
    spec_dir = home / "jupyter" / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "hf_compclip test kernel",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return {
        "JUPYTER_PATH": str(home / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "jupyter"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "matplotlib"),
    }


def run_notebook(name: str, workdir: Path, extra_env: Mapping[str, str] = (), timeout: int = 600):
    """Run ``notebooks/<name>`` with cwd ``workdir/run``; raise ``CellExecutionError`` on the first failing cell."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    run_dir = workdir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **_kernel_environment(workdir / "home"),
        "HF_COMPCLIP_NOTEBOOK_TINY": "1",
        "HF_COMPCLIP_REPO": str(ROOT),
        "HF_COMPCLIP_CACHE": str(workdir / "cache"),
        "HF_HOME": str(workdir / "hf_home"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **dict(extra_env),
    }
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)  # the kernel process inherits the environment of this one
    try:
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            resources={"metadata": {"path": str(run_dir)}},
        )
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


def text_output(notebook) -> str:
    """Everything the code cells printed or displayed as text, in order."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            elif "data" in output:
                data = output["data"]
                parts.append(data.get("text/markdown", "") or data.get("text/plain", ""))
    return "\n".join(parts)


def image_outputs(notebook) -> int:
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))
