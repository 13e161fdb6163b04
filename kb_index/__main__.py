"""Command line of the KB index.

python -m kb_index build [--source data/kb] [--out kb_index/build] [--lexical-only]
python -m kb_index query --lang ru --json "не могу показать экран"
python -m kb_index query --batch FILE --json      # FILE: lang<TAB>question per line
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from kb_index.articles import LANGUAGES, ArticleError
from kb_index.build import DEFAULT_BUILD, DEFAULT_SOURCE, build_index, e5_passages
from kb_index.search import Hit, Searcher


def _hits_json(hits: List[Hit]) -> str:
    return json.dumps(
        {"hits": [{"id": h.id, "lang": h.lang, "score": h.score} for h in hits]},
        ensure_ascii=False,
    )


def _print_hits(hits: List[Hit], as_json: bool) -> None:
    if as_json:
        print(_hits_json(hits))
        return
    if not hits:
        print("no hits")
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank}. {hit.id} [{hit.lang}] score={hit.score:.4f} "
              f"lexical={hit.lexical:.2f} dense={hit.dense:.3f}  {hit.title}")


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the ``build`` or ``query`` command."""
    parser = argparse.ArgumentParser(prog="python -m kb_index", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="validate the articles and build the index")
    build.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    build.add_argument("--out", type=Path, default=DEFAULT_BUILD)
    build.add_argument("--lexical-only", action="store_true", help="skip the e5 embeddings")
    query = commands.add_parser("query", help="search the built index")
    query.add_argument("text", nargs="?", help="the question")
    query.add_argument("--lang", choices=LANGUAGES)
    query.add_argument("--batch", type=Path, help="file of lang<TAB>question lines")
    query.add_argument("-k", type=int, default=5)
    query.add_argument("--json", action="store_true")
    query.add_argument("--index", type=Path, default=DEFAULT_BUILD)
    args = parser.parse_args(argv)

    if args.command == "build":
        try:
            report = build_index(args.source, args.out,
                                 embed=None if args.lexical_only else e5_passages)
        except ArticleError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"built {report.articles} articles in {report.languages} languages, "
              f"{report.vectors} vectors, {report.seconds:.1f}s -> {report.path}")
        return 0

    searcher = Searcher(args.index)
    if args.batch:
        for number, line in enumerate(args.batch.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            lang, sep, question = line.partition("\t")
            if not sep or lang not in LANGUAGES:
                print(f"error: {args.batch}:{number}: expected 'lang<TAB>question' with lang in "
                      f"{', '.join(LANGUAGES)}", file=sys.stderr)
                return 2
            _print_hits(searcher.search(question, lang, args.k), args.json)
        return 0
    if not args.text or not args.lang:
        parser.error("query needs --lang and a question, or --batch FILE")
    try:
        _print_hits(searcher.search(args.text, args.lang, args.k), args.json)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
