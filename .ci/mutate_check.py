"""`make mutate`'s verdict (issues #12, #17, #18): fail on any mutant of the rule modules that
the fast unit tests let through, unless docs/decisions.md lists it as equivalent.

An equivalent mutant is listed as ``- `name` (`the mutated line`): why``; the line is
checked against `mutmut show`, so a listed number that a code change gave to another
mutant is not excused. Timeouts count as killed: the tests did not pass.
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

MUTMUT = str(Path(sys.executable).with_name("mutmut"))
LISTED = re.compile(r"^\s*- `(?P<name>[\w.ǁ]+__mutmut_\d+)` \(`(?P<line>.+?)`\):", re.MULTILINE)
KILLED = {"killed", "timeout"}


def results() -> dict[str, str]:
    out = subprocess.run(
        [MUTMUT, "results", "--all", "true"], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)


def mutated_line(name: str) -> str:
    """The mutant's changed line(s), as `mutmut show` gives them, joined by " / "."""
    shown = subprocess.run([MUTMUT, "show", name], check=True, capture_output=True, text=True)
    return " / ".join(
        line[1:].strip()
        for line in shown.stdout.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )


def main() -> int:
    status = results()
    if not status:
        print("mutate: mutmut reported no mutant at all")
        return 1
    listed = {
        match["name"]: match["line"]
        for match in LISTED.finditer(Path("docs/decisions.md").read_text(encoding="utf-8"))
    }
    problems = []
    equivalent = 0
    for name, verdict in sorted(status.items()):
        if verdict in KILLED:
            continue
        if verdict == "survived" and name in listed:
            if mutated_line(name) == listed[name]:
                equivalent += 1
                continue
            problems.append(
                f"{name}: listed as equivalent for `{listed[name]}`, but now mutates "
                f"`{mutated_line(name)}`"
            )
            continue
        problems.append(f"{name}: {verdict}")
    for name in sorted(set(listed) - set(status)):
        problems.append(f"{name}: listed as equivalent in docs/decisions.md but no such mutant")
    counts = Counter(status.values())
    killed = sum(counts[verdict] for verdict in KILLED)
    print(
        f"mutate: {len(status)} mutants, {killed} killed ({counts['timeout']} by timeout), "
        f"{equivalent} equivalent (docs/decisions.md), {len(problems)} not caught"
    )
    for problem in problems:
        print(f"  {problem}")
    if problems:
        print("See one with `.venv/bin/mutmut show NAME`; add a test with worked figures.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
