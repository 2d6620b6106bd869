"""A throwaway PostgreSQL server: created in a temporary folder, on a free loopback port.

    apt-get install postgresql
    .venv/bin/pip install -e '.[deploy]'                  # psycopg, PostgreSQL's driver
    .venv/bin/python deploy/postgres.py -- .venv/bin/kb check content/transactions.md

runs the command with ``KB_EXAMPLES_DATABASE_URL`` naming the server's ``kb`` database,
so that the examples which read ``DATABASE_URL`` run on PostgreSQL (README.md, Settings),
then stops the server and deletes its files; the command's exit status is the script's.
``make check-postgres`` runs the database entries' checks this way, and deploy/run.py
starts its proposals database with :func:`start`.

The server is Debian's ``postgresql`` package (its newest major version), run as the
``postgres`` user when this script runs as root, since PostgreSQL refuses to run as root.
It sorts text by ICU's ``en-US`` collation, as a server with an English locale does, and
not in the byte order of the C locale, which would hide a try block that depends on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

SETTING = "KB_EXAMPLES_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def start(stack: ExitStack, root: Path, options: Sequence[str] = ()) -> str:
    """Start a server whose files live in ``root`` (stopped when ``stack`` closes), with
    extra server ``options`` (``-c name=value``), and return the URL of its ``kb`` database."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not versions:
        raise SystemExit("PostgreSQL is needed: apt-get install postgresql")
    bin_dir = versions[-1]
    data = root / "pgdata"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "kb", "-E", "UTF8"]
    initdb += ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US"]
    subprocess.run(as_postgres(initdb), check=True, capture_output=True)
    server_options = " ".join(
        [f"-p {port}", f"-k {root}", "-c listen_addresses=127.0.0.1", *options]
    )
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        as_postgres([*pg_ctl, "-o", server_options, "-l", str(root / "pg.log"), "-w", "start"]),
        check=True,
        capture_output=True,
    )
    stack.callback(
        subprocess.run, as_postgres([*pg_ctl, "-m", "fast", "-w", "stop"]), capture_output=True
    )
    createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "kb", "kb"]
    subprocess.run(as_postgres(createdb), check=True, capture_output=True)
    return f"postgresql+psycopg://kb@127.0.0.1:{port}/kb"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="+", help="the command to run, after --")
    args = parser.parse_args(argv)
    started = time.monotonic()
    # The folder outlives the server: pg_ctl stop needs the data directory's pid file.
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        # Nothing here must survive a crash, so the server may skip the disk flushes that
        # make it durable: creating a schema per sandbox and its tables gets much faster.
        url = start(stack, Path(tmp), ["-c fsync=off", "-c synchronous_commit=off"])
        print(f"PostgreSQL at {url} (started in {time.monotonic() - started:.1f} s)", flush=True)
        status = subprocess.run(args.command, env={**os.environ, SETTING: url}).returncode
    print(f"PostgreSQL stopped; {args.command[0]} exited with {status}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
