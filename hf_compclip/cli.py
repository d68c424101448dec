"""The ``hf-compclip`` command line: each part of the library registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes ``register(subparsers)``; heavy imports stay inside the command functions so that
# ``hf-compclip --help`` answers at once.
_COMMAND_MODULES = (
    "hf_compclip.training.commands",
    "hf_compclip.data.commands",
    "hf_compclip.negatives.commands",
    "hf_compclip.evaluation.commands",
    "hf_compclip.hub.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hf-compclip", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
