"""Sampled mutation testing with mutmut (``make mutants``), and its report (docs/mutation.md).

    python scripts/mutation.py run [--per-package N] [--seed S]   # generate, sample, test
    python scripts/mutation.py report [--out docs/mutation.md]    # results -> Markdown

``run`` lets mutmut write every mutant of the packages named in ``[tool.mutmut]`` (pyproject),
picks a fixed, seeded sample of N mutants per package (``tapkit`` and the four taps), writes
the sample to ``mutants/sample.txt`` and hands it to ``mutmut run``: mutmut runs the test
selection once to learn which tests reach which function, then each sampled mutant against
the tests that reach it (``-x``, fastest first). The whole mutant space would take hours on a
2-core machine; the sample is what fits in about 30 minutes.

``report`` reads mutmut's results for the sample and writes the score per package (killed
and timeouts over all sampled mutants) and the list of surviving mutants (file:line and the
mutated line). Equivalent mutants are argued in ``docs/mutation-equivalent.md``: the report
copies each argument next to its mutant, keyed by the mutant's name.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "tapkit",
    "tap_lexer_activity",
    "tap_livechat_reports",
    "tap_analytics",
    "tap_agentactivity",
)
SAMPLE_FILE = Path("mutants/sample.txt")
RUN_FILE = Path("mutants/run.json")
EQUIVALENT_FILE = Path("docs/mutation-equivalent.md")
#: Statuses that count as killed: a test failed, or the mutant made the tests hang.
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def _mutmut_bin() -> str:
    return str(Path(sys.executable).with_name("mutmut"))


def _generate() -> None:
    """Let mutmut write the mutants (fast: no test runs) so that they can be sampled."""
    code = (
        "from mutmut.__main__ import create_mutants, store_lines_covered_by_tests\n"
        "from mutmut.utils.file_utils import copy_src_dir, copy_also_copy_files, "
        "setup_source_paths\n"
        "import os\n"
        "os.makedirs('mutants', exist_ok=True)\n"
        "copy_src_dir(); copy_also_copy_files(); setup_source_paths()\n"
        "store_lines_covered_by_tests(); create_mutants(2)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def _meta_files() -> list[Path]:
    return sorted(
        p
        for package in PACKAGES
        for p in (ROOT / "mutants" / package).rglob("*.py.meta")
        if p.is_file()
    )


def _load_meta() -> dict[str, tuple[Path, int | None]]:
    """Every mutant's name -> (source file, mutmut's exit code or None when not run)."""
    found: dict[str, tuple[Path, int | None]] = {}
    for meta in _meta_files():
        data = json.loads(meta.read_text())
        source = meta.relative_to(ROOT / "mutants").with_suffix("")  # drop .meta
        for name, code in data["exit_code_by_key"].items():
            found[name] = (source, code)
    return found


def _package(name: str) -> str:
    return name.split(".", 1)[0]


def cmd_run(args: argparse.Namespace) -> int:
    os.chdir(ROOT)
    _generate()
    everything = _load_meta()
    by_package: dict[str, list[str]] = defaultdict(list)
    for name in sorted(everything):
        by_package[_package(name)].append(name)
    if args.only_not_killed:
        # A second pass after new tests: the same sample, only its mutants not killed so
        # far (and those whose function changed since, which mutmut has not run yet).
        from mutmut.stats import status_by_exit_code

        sample = [n for n in SAMPLE_FILE.read_text().split() if n]
        chosen = [
            n
            for n in sample
            if everything.get(n, (None, None))[1] is None
            or status_by_exit_code[everything[n][1]] not in KILLED
        ]
        print(f"re-running {len(chosen)} of the {len(sample)} sampled mutants")
    else:
        rng = random.Random(args.seed)
        sample = []
        for package in PACKAGES:
            pool = by_package.get(package, [])
            picked = sorted(rng.sample(pool, min(args.per_package, len(pool))))
            print(f"{package}: {len(picked)} of {len(pool)} mutants sampled")
            sample.extend(picked)
        SAMPLE_FILE.write_text("\n".join(sample) + "\n")
        chosen = sample
    chosen = [n for n in chosen if n in everything]
    started = time.time()
    code = _run_within(
        [_mutmut_bin(), "run", "--max-children", str(args.max_children), *chosen],
        args.budget_minutes * 60,
    )
    passes = json.loads(RUN_FILE.read_text()) if args.only_not_killed and RUN_FILE.exists() else []
    passes.append(
        {
            "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seconds": round(time.time() - started),
            "seed": args.seed,
            "per_package": args.per_package,
            "max_children": args.max_children,
            "mutants_per_package": {p: len(by_package.get(p, [])) for p in PACKAGES},
            "budget_minutes": args.budget_minutes,
            "exit_code": code,
            "mutants_run": len(chosen),
        }
    )
    RUN_FILE.write_text(json.dumps(passes, indent=2))
    return code


def _run_within(cmd: list[str], seconds: float) -> int:
    """Run ``cmd``; past ``seconds`` interrupt it (mutmut then stops its workers and keeps
    every result it has): the mutants it did not reach are reported as ``not run``."""
    proc = subprocess.Popen(cmd, cwd=ROOT)
    try:
        return proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        print(f"time budget of {seconds / 60:.0f} min spent: stopping mutmut", flush=True)
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


def _function_line(source: Path, name: str) -> int:
    """The line of the ``def`` of the function a mutant belongs to (1 when not found)."""
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    function, klass = orig_function_and_class_names_from_key(name)
    tree = ast.parse((ROOT / source).read_text())
    scopes: list[ast.AST] = [tree]
    if klass:
        scopes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == klass]
    for scope in scopes:
        for node in ast.iter_child_nodes(scope):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
                return node.lineno
    return 1


def _mutation(name: str, source: Path) -> tuple[int, str]:
    """(line in the file, ``old`` -> ``new``) of one mutant, from mutmut's diff."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    os.chdir(ROOT)
    diff = get_diff_for_mutant(name, path=source).splitlines()
    start = _function_line(source, name)
    old_line = 0
    removed: list[str] = []
    added: list[str] = []
    first: int | None = None
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            old_line = int(line.split()[1].lstrip("-").split(",")[0]) - 1
            continue
        if line.startswith("-"):
            old_line += 1
            first = old_line if first is None else first
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
        else:
            old_line += 1
    lineno = start + (first or 1) - 1
    return lineno, f"`{' '.join(removed)}` -> `{' '.join(added)}`"


def _equivalent_notes() -> dict[str, str]:
    """``- `mutant_name`: verdict`` lines of docs/mutation-equivalent.md; a verdict starting
    with "Equivalent" argues the mutant equivalent, "Import-time" or "Killed after the run" names
    the test that kills it (checked by hand); each counts in the last column of the table."""
    notes: dict[str, str] = {}
    path = ROOT / EQUIVALENT_FILE
    if not path.exists():
        return notes
    for line in path.read_text().splitlines():
        if line.startswith("- `") and "`: " in line:
            name, _, why = line[3:].partition("`: ")
            notes[name] = why.strip()
    return notes


def cmd_report(args: argparse.Namespace) -> int:
    os.chdir(ROOT)
    from mutmut.stats import status_by_exit_code

    sample = [n for n in SAMPLE_FILE.read_text().split() if n]
    passes = json.loads(RUN_FILE.read_text()) if RUN_FILE.exists() else [{}]
    run = passes[0]
    everything = _load_meta()
    notes = _equivalent_notes()
    counts: dict[str, Counter[str]] = {p: Counter() for p in PACKAGES}
    survivors: list[tuple[str, Path, str]] = []
    for name in sample:
        if name not in everything:  # its function changed after the sample was drawn
            counts[_package(name)]["changed"] += 1
            continue
        source, code = everything[name]
        status = "not run" if code is None else status_by_exit_code[code]
        counts[_package(name)][status] += 1
        if status not in KILLED:
            survivors.append((name, source, status))

    out: list[str] = [
        "# Mutation testing (sampled)",
        "",
        "Written by `scripts/mutation.py report` after `make mutants` (mutmut "
        f"{_mutmut_version()}). Do not edit by hand; equivalent mutants are argued in "
        f"`{EQUIVALENT_FILE}`.",
        "",
        *(
            f"- pass {i}: finished {p.get('finished', '?')}, {p.get('mutants_run', '?')} "
            f"mutants submitted, ran {p.get('seconds', '?')} s with {p.get('max_children', '?')} workers "
            f"(budget {p.get('budget_minutes', '?')} min)"
            for i, p in enumerate(passes, start=1)
        ),
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores "
        "(shared), Python " + platform.python_version(),
        f"- sample: {run.get('per_package', '?')} mutants per package, seed "
        f"{run.get('seed', '?')} (`mutants/sample.txt`); each mutant is run against the "
        "tests that reach its function (tests/kit and the vendors' folders: "
        "`[tool.mutmut]` in pyproject.toml)",
        "- score = (killed + timeout) / sampled; `no tests` = no test in the selection "
        "reaches the function; `survived` = its tests pass with the mutant; `not run` = the "
        "time budget ran out before mutmut reached it; the last column also counts the "
        f"mutants with a note in `{EQUIVALENT_FILE}` (equivalent, or killed by a named test "
        "that mutmut could not credit)",
        "",
        "| package | mutants in all | sampled | killed | timeout | survived | no tests "
        "| not run | score | score of those run | of those run, with the notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    equivalent_by_package: Counter[str] = Counter(
        _package(n) for n, _, _ in survivors if n in notes
    )
    for package in PACKAGES:
        c = counts[package]
        sampled = sum(c.values())
        ran = sampled - c["not run"] - c["changed"]
        killed = sum(c[s] for s in KILLED)
        total = run.get("mutants_per_package", {}).get(package, "?")
        out.append(
            f"| `{package}` | {total} | {sampled} | {c['killed']} | {c['timeout']} "
            f"| {c['survived']} | {c['no tests']} | {c['not run']} | {_pct(killed, sampled)} "
            f"| {_pct(killed, ran)} | {_pct(killed + equivalent_by_package[package], ran)} |"
        )
    out += ["", "## Mutants not killed", ""]
    if not survivors:
        out.append("None.")
    for name, source, status in survivors:
        if status == "not run":
            continue
        lineno, change = _mutation(name, source)
        why = notes.get(name)
        verdict = f" {why}" if why else ""
        out.append(f"- `{source}:{lineno}` ({status}) {change} `{name}`.{verdict}")
    not_run = [n for n, _, status in survivors if status == "not run"]
    if not_run:
        out += ["", f"Not run (time budget): {len(not_run)} sampled mutants.", ""]
    out.append("")
    Path(args.out).write_text("\n".join(out))
    print(f"wrote {args.out}: {len(sample)} mutants, {len(survivors)} not killed")
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="generate, sample and test the mutants")
    run.add_argument("--per-package", type=int, default=40)
    run.add_argument("--seed", type=int, default=17)
    run.add_argument("--max-children", type=int, default=2)
    run.add_argument(
        "--budget-minutes",
        type=float,
        default=30,
        help="stop mutmut after this long; the mutants it did not reach are `not run`",
    )
    run.add_argument(
        "--only-not-killed",
        action="store_true",
        help="re-run only the sampled mutants not killed by the last run (same sample)",
    )
    run.set_defaults(func=cmd_run)
    report = sub.add_parser("report", help="write the Markdown report")
    report.add_argument("--out", default="docs/mutation.md")
    report.set_defaults(func=cmd_report)
    args = parser.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
