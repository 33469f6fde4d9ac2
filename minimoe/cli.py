"""The ``minimoe`` command (``minimoe --help`` lists the same, ``minimoe COMMAND --help`` the
options).

minimoe doctor                 versions, device, threads, and whether the notebooks are built
minimoe course build|check     generate the notebooks and course pages, or check they are current
minimoe course times [NN ...]  run notebooks as CI does; record their times for the syllabus
minimoe course site            build the course website (Jupyter Book 1.x) into build/site
minimoe bench attention        measured attention benchmark (table, JSON and plot)
minimoe bench generation       measured long generations: prefill, decode, rollouts, caches
minimoe flops                  M1 vs R1 vs Qwen3 generation FLOPs, and the report's claims
minimoe demo                   SFT then CISPO on a tiny hybrid MoE; a table and a plot
minimoe recipe NAME --out F    train a named recipe (how the shipped checkpoints are made)
minimoe compare                RL losses side by side over seeds (same SFT start, same budget)
minimoe licenses               the license table: patents, thresholds, outputs, naming, law, OSI
minimoe distributed check      expert and data parallelism on N local processes vs one process
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
    from minimoe import course, kit

    root = args.root or course.find_root()
    if args.lessons and args.action != "times":
        print(f"`minimoe course {args.action}` takes no lessons (only `course times` does)")
        return 2
    if args.action == "times":
        return course_times(root, args.lessons, args.workers)
    if args.action == "site":
        from minimoe import site

        try:
            html = site.build(root, args.out or root / "build" / "site")
        except site.SiteBuildError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"built the course website in {html}")
        print(
            f"view it: python -m http.server --directory {html} 8000, then open http://localhost:8000"
        )
        return 0
    stale = course.build(root, check=args.action == "check")
    names = [path.relative_to(root).as_posix() for path in stale]
    problems = kit.problems(root, [lesson.source for lesson in course.lessons(root)])
    if problems:
        print("the lessons and the course kit disagree:")
        print("\n".join(f"  {problem}" for problem in problems))
    if args.action == "check":
        if names:
            print("out of date (run `minimoe course build` and commit the result):")
            print("\n".join(f"  {name}" for name in names))
        if names or problems:
            return 1
        print(
            f"all {2 * len(course.lessons(root))} notebooks, the solutions file and the course "
            "pages are up to date"
        )
        return 0
    print(f"wrote {len(names)} file(s)" + "".join(f"\n  {name}" for name in names))
    return 0


def course_times(root: Path, wanted: list[str], workers: int) -> int:
    """Run lessons' notebooks as CI does, record their wall times, and rebuild the syllabus."""
    import json
    import subprocess
    import tempfile

    from minimoe import course, kit

    lessons = course.lessons(root)
    known = {kit.lesson_id(lesson.source): lesson for lesson in lessons}
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        print(f"no such lesson: {', '.join(unknown)} (the lessons are {', '.join(known)})")
        return 2
    chosen = [known[ident] for ident in wanted] if wanted else lessons
    course.build(root)  # time what the sources say now
    notebooks = [
        str(path.relative_to(root))
        for lesson in chosen
        for path in (lesson.solution, lesson.student)
    ]
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "times.json"
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "minimoe.notebook_times",
            "--notebook-times", str(output), "--nbval-lax", "--nbval-current-env",
            "--nbval-cell-timeout=900", "-n", str(workers), "--dist", "loadfile", *notebooks,
        ]  # fmt: skip
        print("running:", " ".join(command[2:]), flush=True)
        returncode = subprocess.run(command, cwd=root).returncode
        if not output.exists():
            print(f"pytest wrote no times (exit code {returncode})")
            return 1
        run = json.loads(output.read_text(encoding="utf-8"))
    recorded, failed = kit.record_times(root, run)
    course.build(root)
    print(f"recorded {len(recorded)} notebook time(s) in {kit.TIMES}; the syllabus is rebuilt")
    if failed:
        print("not recorded, because a cell failed:\n" + "\n".join(f"  {name}" for name in failed))
    return 1 if failed or returncode else 0


def bench_cmd(args: argparse.Namespace) -> int:
    from minimoe import bench

    json_path = args.json or Path(f"bench_{args.suite}.json")
    if args.suite == "generation":
        return bench.main_generation(
            json_path=json_path,
            smoke=args.smoke,
            width=args.width,
            threads=args.threads,
            cpu_clock=args.cpu_clock,
            rollout_budget_s=args.rollout_budget,
        )
    return bench.main_attention(json_path=json_path, max_n=args.max_n)


def flops_cmd(args: argparse.Namespace) -> int:
    """``minimoe flops``: M1, R1 and Qwen3's generation FLOPs, the ratios, the report's claims."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minimoe import flops

    rows = flops.comparison_rows(prompt=args.prompt)
    lengths = flops.REPORT_LENGTHS
    by_model = {(row["model"], row["tokens"]): row["flops"] for row in rows}
    print(f"cumulative FLOPs to generate N tokens after a {args.prompt}-token prompt")
    labels = {"r1": "DeepSeek-R1 (absorbed MLA)", "qwen3": "Qwen3-235B-A22B (secondary)"}
    width = max(len(label) for label in labels.values())
    print(f"{'model':<{width}}" + "".join(f"{n:>12,}" for n in lengths))
    for name, arch in flops.ARCHITECTURES.items():
        label = labels.get(name, arch.name)
        print(f"{label:<{width}}" + "".join(f"{by_model[name, n]:>12.3e}" for n in lengths))
    print()
    print(flops.report_comparison(lengths, prompt=args.prompt).text())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
        print(f"wrote {args.json}")
    figure = flops.plot_generation_flops(prompt=args.prompt)
    args.plot.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.plot, dpi=120, bbox_inches="tight")
    plt.close(figure)
    print(f"wrote {args.plot}")
    return 0


def licenses_cmd(args: argparse.Namespace) -> int:
    import json

    from minimoe.licenses import format_rows, license_rows, load_licenses, model_rows, to_records

    table = load_licenses()
    print("Model licenses, clause by clause (education, not legal advice)\n")
    print(format_rows(license_rows(table)))
    print("\nWhich model uses which license, from which date\n")
    print(format_rows(model_rows(table)))
    if args.json:
        if not args.json.parent.is_dir():
            raise FileNotFoundError(
                f"--json {args.json}: folder {args.json.parent} does not exist; create it first"
            )
        text = json.dumps(to_records(table), indent=1, ensure_ascii=False)
        args.json.write_text(text + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


def _smoke(args: argparse.Namespace) -> None:
    if args.smoke:
        import os

        from minimoe.smoke import ENV_VAR

        os.environ[ENV_VAR] = "1"


def demo_cmd(args: argparse.Namespace) -> int:
    from minimoe.demo import run_demo

    _smoke(args)
    run_demo(out_dir=args.out, seed=args.seed, progress=not args.quiet)
    return 0


def recipe_cmd(args: argparse.Namespace) -> int:
    from minimoe.recipes import get_recipe, run_recipe

    _smoke(args)
    recipe = get_recipe(args.name).with_seed(args.seed)
    result = run_recipe(recipe, out=args.out, progress=not args.quiet)
    print(f"{recipe.name}: " + ", ".join(f"{k} {v:.3f}" for k, v in result.accuracy.items()))
    print(f"saved {args.out}")
    return 0


def compare_cmd(args: argparse.Namespace) -> int:
    import time

    from minimoe.recipes import (
        COMPARISON_KEYS,
        compare_losses,
        comparison_record,
        get_comparison,
        get_recipe,
        write_comparison,
    )
    from minimoe.train.evaluate import EVAL_SAMPLES

    _smoke(args)
    comparison = get_comparison(args.task)
    recipe = get_recipe(args.recipe) if args.recipe else comparison.recipe
    losses = tuple(args.losses or comparison.losses)
    changes = {} if args.eval_every is None else {"eval_every": args.eval_every}
    start = time.perf_counter()
    rows = compare_losses(
        recipe,
        losses,
        tuple(args.seeds),
        rl_changes=changes,
        progress=not args.quiet,
        fork_probability=comparison.fork_probability,
    )
    wall = time.perf_counter() - start
    record = comparison_record(recipe, rows, changes, comparison=comparison, wall_seconds=wall)
    summary = record["summary"]
    width = max(8, *(len(loss) + 1 for loss in summary))
    print(f"\n{'loss':<{width}}" + "".join(f"{k:>22}" for k in COMPARISON_KEYS))
    for loss, stats in summary.items():
        print(f"{loss:<{width}}" + "".join(f"{m:>14.3f} ± {s:<5.3f}" for m, s in stats.values()))
    analysis = record.get("analysis")
    if analysis:
        print(
            f"\n{'loss':<{width}} steps to +{analysis['target_gain']} (seeds)  final length"
            "  clipped fork / common  dropped mass fork / common"
        )
        for loss, a in analysis["losses"].items():
            reached = a["steps_to_target"]
            mean = "-" if reached["mean"] is None else f"{reached['mean']:.1f}"
            clip = a["clip"]
            print(
                f"{loss:<{width}} {mean:>8} ({reached['reached']}/{len(record['seeds'])})"
                f"{a['final_length'][0]:>16.1f}"
                f"{clip['clip_fraction_ref_fork'][0]:>12.3f} / {clip['clip_fraction_ref_common'][0]:.3f}"
                f"{clip['dropped_gradient_mass_ref_fork'][0]:>14.3f} / "
                f"{clip['dropped_gradient_mass_ref_common'][0]:.3f}"
            )
        print(f"wall time {wall:.0f} s")
    print(f"(mean ± standard deviation over seeds {', '.join(map(str, args.seeds))})")
    errors = [r[key] for r in rows for key in ("sft_sampled_se", "rl_sampled_se")]
    print(
        f"T=1 accuracies average {EVAL_SAMPLES} answers per held-out problem; the standard error "
        f"of one run's is at most {max(errors):.3f}"
    )
    if args.json:
        for path in write_comparison(record, args.json):
            print(f"wrote {path}")
    return 0


def distributed_cmd(args: argparse.Namespace) -> int:
    from minimoe.distributed import DistributedRunError, check

    try:
        return check.main(args.world_size)
    except DistributedRunError as err:
        print(f"minimoe distributed check: {err}", file=sys.stderr)
        return 1


def _int_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers, got {text!r}"
        ) from None


def _loss_list(text: str) -> list[str]:
    from minimoe.rl.losses import AGGREGATIONS, POLICY_LOSSES

    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n.partition(":")[0] not in POLICY_LOSSES]
    bad = [n for n in names if ":" in n and n.partition(":")[2] not in AGGREGATIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown loss {unknown}; choose from {', '.join(sorted(POLICY_LOSSES))}"
        )
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown aggregation in {bad}; write LOSS:AGGREGATION with one of "
            f"{', '.join(AGGREGATIONS)}"
        )
    return names


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
        "course",
        help="generate the notebooks and course pages from the lesson sources; time the notebooks",
    )
    p.add_argument(
        "action",
        choices=["build", "check", "times", "site"],
        help="build: write; check: fail if anything is out of date or inconsistent; "
        "times: run notebooks as CI does and record their wall times in course/times.json; "
        "site: build the course website",
    )
    p.add_argument(
        "lessons", nargs="*", metavar="NN", help="times only: the lessons to time (default: all)"
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=2,
        help="times only: notebooks run at once (default 2, as in CI)",
    )
    p.add_argument("--root", type=Path, default=None, help="course repository root")
    p.add_argument(
        "--out", type=Path, default=None, help="site: output folder (default ROOT/build/site)"
    )
    p.set_defaults(func=course_cmd)

    p = sub.add_parser("bench", help="measured benchmarks")
    p.add_argument("suite", choices=["attention", "generation"], help="which benchmark to run")
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write JSON (default bench_SUITE.json; the plot goes beside it, as .png)",
    )
    p.add_argument(
        "--max-n", type=_positive_int, default=65536, help="attention: longest sequence to time"
    )
    p.add_argument("--smoke", action="store_true", help="generation: toy sizes, seconds")
    p.add_argument(
        "--width", type=_positive_int, default=None, help="generation: model width (default 256)"
    )
    p.add_argument(
        "--threads", type=_positive_int, default=None, help="generation: torch threads to use"
    )
    p.add_argument(
        "--cpu-clock",
        action="store_true",
        help="generation: time with CPU time (needs --threads 1; steadier on a busy machine)",
    )
    p.add_argument(
        "--rollout-budget",
        type=float,
        default=None,
        help="generation: skip rollouts estimated above this many seconds (0: none; default 600)",
    )
    p.set_defaults(func=bench_cmd)

    p = sub.add_parser(
        "flops", help="M1 vs R1 vs Qwen3 generation FLOPs from public shapes, against the report"
    )
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    p.add_argument(
        "--plot",
        type=Path,
        default=Path("flops_generation.png"),
        help="where to save the plot (default flops_generation.png)",
    )
    p.add_argument(
        "--prompt",
        type=_positive_int,
        default=1,
        help="prompt tokens before the answer (default 1)",
    )
    p.set_defaults(func=flops_cmd)

    p = sub.add_parser(
        "demo", help="SFT then CISPO on a tiny hybrid MoE; prints a table, saves a plot"
    )
    p.add_argument("--smoke", action="store_true", help="toy sizes: finishes in seconds")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--out", type=Path, default=Path("demo_out"), help="folder for the plot and checkpoint"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=demo_cmd)

    p = sub.add_parser("recipe", help="train a named recipe (how the shipped checkpoints are made)")
    p.add_argument("name", help="recipe name, e.g. sorting-sft or sorting-cispo")
    p.add_argument("--out", type=Path, required=True, help="checkpoint to write (.safetensors)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--smoke", action="store_true", help="toy sizes: finishes in seconds")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=recipe_cmd)

    p = sub.add_parser(
        "compare", help="RL losses side by side over seeds (same SFT start, same budget)"
    )
    p.add_argument(
        "--task",
        default="sorting",
        help="sorting (12-token answers, the default) or remainder (answers of 6 to 120 tokens, "
        "with the length, entropy and fork-token analysis)",
    )
    p.add_argument(
        "--recipe",
        default=None,
        help="recipe whose SFT and RL settings to use (default: the task's, e.g. sorting-cispo)",
    )
    p.add_argument(
        "--losses",
        type=_loss_list,
        default=None,
        help="comma-separated, each LOSS or LOSS:AGGREGATION, e.g. cispo,grpo:token_mean "
        "(default: the task's; sorting: cispo,dapo,grpo)",
    )
    p.add_argument("--seeds", type=_int_list, default=[0, 1, 2], help="comma-separated seeds")
    p.add_argument(
        "--eval-every",
        type=_positive_int,
        default=None,
        help="held-out accuracy every N RL steps (default: the recipe's, at the end only)",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        help="also write every run's history as JSON, and a plot beside it (.png)",
    )
    p.add_argument("--smoke", action="store_true", help="toy sizes: finishes in seconds")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=compare_cmd)

    p = sub.add_parser(
        "licenses", help="the license table: patents, user thresholds, outputs, naming, OSI"
    )
    p.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="also write the full table as JSON"
    )
    p.set_defaults(func=licenses_cmd)

    p = sub.add_parser("distributed", help="expert and data parallelism on torch.distributed")
    p.add_argument("action", choices=["check"], help="check: N local processes vs one process")
    p.add_argument(
        "--world-size", type=_positive_int, default=2, help="processes to spawn (default 2)"
    )
    p.set_defaults(func=distributed_cmd)
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
