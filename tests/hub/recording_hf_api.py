"""A stand-in for ``huggingface_hub.HfApi`` that records what a push would send, and can fail like the Hub."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from huggingface_hub import CommitInfo
from huggingface_hub.errors import HfHubHTTPError


@dataclass
class RecordingHfApi:
    """Records ``create_repo`` and ``create_commit`` calls; ``fail_at`` makes that call raise a Hub HTTP error."""

    fail_at: str | None = None
    failure_status: int = 401
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent_files: dict[str, bytes] = field(default_factory=dict)

    def _maybe_fail(self, name: str, token: str | None) -> None:
        if self.fail_at == name:
            request = httpx.Request("POST", f"https://huggingface.co/api/{name}")
            response = httpx.Response(self.failure_status, request=request)
            # A careless server or proxy echoing the credential back: the push must not pass it on.
            raise HfHubHTTPError(f"{self.failure_status} Client Error: Unauthorized (sent {token})", response=response)

    def create_repo(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        self._maybe_fail("create_repo", kwargs.get("token"))
        return f"https://huggingface.co/{repo_id}"

    def create_commit(self, repo_id: str, operations: list, **kwargs: Any) -> CommitInfo:
        self.calls.append(("create_commit", {"repo_id": repo_id, **kwargs}))
        self._maybe_fail("create_commit", kwargs.get("token"))
        for operation in operations:
            source = operation.path_or_fileobj
            content = Path(source).read_bytes() if isinstance(source, str) else bytes(source)
            self.sent_files[operation.path_in_repo] = content
        return CommitInfo(
            commit_url=f"https://huggingface.co/{repo_id}/commit/0123abcd",
            commit_message=kwargs["commit_message"],
            commit_description="",
            oid="0123abcd",
            pr_url=None,
        )
