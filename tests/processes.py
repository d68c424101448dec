"""Helpers for tests that launch several processes."""

import socket


def free_port() -> int:
    """A port nobody listens on now, so two test runs on one machine do not share a fixed rendezvous port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
