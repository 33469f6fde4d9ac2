"""The ``minimoe`` command.

minimoe doctor                 versions, device, threads, and whether the notebooks are built
minimoe course build|check     generate the notebooks from their sources, or check they are current
minimoe bench attention        measured attention benchmark (table + JSON)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from minimoe import __version__


def doctor(args: argparse.Namespace) -> int:
    """Print what a learner or instructor needs to know about this environment."""
    from minimoe.env import environment_info

    rows = [*environment_info().items(), ("notebooks", _notebook_status(args.root))]
    width = max(len(name) for name, _ in rows)
    print("minimoe doctor")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return 0


def _notebook_status(root: Path | None) -> str:
    from minimoe import course

    try:
        root = root or course.find_root()
    except FileNotFoundError:
        return "course sources not found (minimoe installed without the repository)"
    try:
        import jupytext  # noqa: F401
    except ImportError:
        return "cannot check: install the course extra (pip install -e '.[course]')"
    count = len(course.lessons(root))
    stale = course.build(root, check=True)
    if stale:
        return f"{len(stale)} of {2 * count} out of date: run `minimoe course build`"
    return f"{count} lessons built and up to date in {root}"


def course_cmd(args: argparse.Namespace) -> int:
    from minimoe import course

    root = args.root or course.find_root()
    stale = course.build(root, check=args.action == "check")
    names = [path.relative_to(root).as_posix() for path in stale]
    if args.action == "check":
        if names:
            print("out of date (run `minimoe course build` and commit the result):")
            print("\n".join(f"  {name}" for name in names))
            return 1
        print(f"all {2 * len(course.lessons(root))} notebooks are up to date")
        return 0
    print(f"wrote {len(names)} notebook(s)" + "".join(f"\n  {name}" for name in names))
    return 0


def bench_cmd(args: argparse.Namespace) -> int:
    from minimoe import bench

    return bench.main_attention(json_path=args.json, max_n=args.max_n)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minimoe", description="Build MiniMax-M1 small: the minimoe course and library."
    )
    parser.add_argument("--version", action="version", version=f"minimoe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("doctor", help="versions, device, threads and notebook status")
    p.add_argument("--root", type=Path, default=None, help="course repository root")
    p.set_defaults(func=doctor)

    p = sub.add_parser(
        "course", help="generate lessons/ and solutions/ notebooks from their sources"
    )
    p.add_argument(
        "action", choices=["build", "check"], help="build: write; check: fail if out of date"
    )
    p.add_argument("--root", type=Path, default=None, help="course repository root")
    p.set_defaults(func=course_cmd)

    p = sub.add_parser("bench", help="measured benchmarks")
    p.add_argument("suite", choices=["attention"], help="which benchmark to run")
    p.add_argument(
        "--json", type=Path, default=Path("bench_attention.json"), help="where to write JSON"
    )
    p.add_argument("--max-n", type=_positive_int, default=65536, help="longest sequence to time")
    p.set_defaults(func=bench_cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as err:
        print(f"minimoe {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
