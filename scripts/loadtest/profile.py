"""Where a page's CPU goes: the pages of `make bench`'s table, on its network, requested in this
process through Django's test client with the bench's logins (the production settings, no
gunicorn, no network), each many times:

    scripts/with_postgres.sh .venv/bin/python -m scripts.loadtest.profile             # every page: CPU ms
    scripts/with_postgres.sh .venv/bin/python -m scripts.loadtest.profile passbook    # and its profile

For each page it prints the CPU milliseconds per request of this process (least and median of
--requests): the app's share alone, steadier than make bench's app CPU when other programs use the
machine. With a part of a page's name, that page is also profiled with pyinstrument (the call
tree, 0.5 ms samples) into profile-<page>.html and .txt in --out. `--queries` prints each query
of the page once."""

import argparse
import os
import re
import statistics
import time
from pathlib import Path

import django

from . import dataset, server
from .common import ROOT, log


def parse_args():
    parser = argparse.ArgumentParser(prog="python -m scripts.loadtest.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", help="profile the page whose name holds this (e.g. passbook, form)")
    parser.add_argument("--requests", type=int, default=60, help="requests per page to time (default 60)")
    parser.add_argument("--queries", action="store_true", help="print the queries of each page")
    parser.add_argument(
        "--ledger-scale", type=int, default=1, help="months of history x N, as make bench's (default 1)"
    )
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the profile (default .)")
    return parser.parse_args()


def main():
    args = parse_args()
    os.environ.update(server.production_env())
    os.chdir(ROOT)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from songkhla_network.thai import month_start

    from . import pages

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name the built files
    this_month = month_start(timezone.localdate())
    dataset.ensure_dataset(this_month, args.ledger_scale)
    plan = pages.plan(this_month, sheet_posts=0)
    import config.wsgi  # noqa: F401, PLC0415  # the server's start-up: what it loaded frozen (gc.freeze)

    # The pages a person opens (not /ping/, and the PDFs have their own timings in make bench).
    for page in [p for p in plan.pages if p.cookie and not p.path.endswith(".pdf") and "pdf" not in p.path]:
        client = Client(HTTP_HOST="127.0.0.1")
        name, _, value = page.cookie.partition("=")
        client.cookies[name] = value
        for _ in range(5):  # templates, translations and the connection warmed up
            response = client.get(page.path)
            if response.status_code != 200:
                log(f"{page.name}: answered {response.status_code}, skipped")
                break
        else:
            cpu = []
            for _ in range(args.requests):
                started = time.process_time()
                client.get(page.path)
                cpu.append((time.process_time() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(page.path)
            log(
                f"{page.name:40} CPU ms least {min(cpu):6.1f}  median {statistics.median(cpu):6.1f}"
                f"  queries {len(queries.captured_queries)}"
            )
            if args.queries:
                for query in queries.captured_queries:
                    log(f"    {query['sql'][:160]}")
            if args.page and args.page in page.name:
                profile(client, page, args)


def profile(client, page, args):
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.requests):
        client.get(page.path)
    profiler.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / ("profile-" + re.sub(r"\W+", "-", page.name).strip("-"))
    stem.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")
    stem.with_suffix(".txt").write_text(profiler.output_text(color=False, unicode=True), encoding="utf-8")
    log(f"    profile of {args.requests} requests: {stem}.html, {stem}.txt")


if __name__ == "__main__":
    main()
