"""python -m gastown.agents.modelserver --script FILE --log FILE [--port N] [--port-file FILE]"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from gastown.agents.modelserver import script
from gastown.agents.modelserver.server import ModelServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gastown.agents.modelserver")
    parser.add_argument("--script", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path,
                        help="written (atomically) with the port once the server listens")
    args = parser.parse_args(argv)
    server = ModelServer(script.load(args.script), args.log, args.port)
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(f"{server.port}\n")
        os.replace(tmp, args.port_file)
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
