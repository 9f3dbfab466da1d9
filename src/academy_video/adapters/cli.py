"""The ``academy-video`` command."""

from __future__ import annotations

import argparse
import sys

from academy_video import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="academy-video", description=__doc__)
    parser.add_argument("--version", action="version", version=f"academy-video {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (embedded default: no services)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "serve":
        print("academy-video: no HTTP adapter yet (the HTTP API issue adds it)")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
