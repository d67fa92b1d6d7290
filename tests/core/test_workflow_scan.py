"""Nothing moves a state outside the workflow mechanism: the code is scanned for state fields
set by `.update(state=…)`, `obj.state = …`, `save(update_fields=[…"state"…])` or created in a
state other than the first (`create(state=…)`), outside yishi/core/workflow.py.

The demo loaders are exempt: they load a ready-made history of records that never existed as
live records, in bulk, so that the demo opens in seconds (see docs/architecture.md)."""

import ast
from pathlib import Path

import yishi

ROOT = Path(yishi.__file__).parent
EXEMPT = {ROOT / "core" / "workflow.py"}


def _exempt(path: Path) -> bool:
    # Demo data (demo.py, and the opinions' bulk-written year of history in demo_set/, which
    # replays the workflow's steps on its own rows) sets states the way a fixture does.
    return path in EXEMPT or "migrations" in path.parts or path.name == "demo.py" or (
        path.parent.name in ("data", "demo_set") and path.parent.parent.name == "opinions")


def state_writes(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            for kw in node.keywords:
                if kw.arg == "state" and node.func.attr in ("update", "create",
                                                            "get_or_create",
                                                            "update_or_create"):
                    yield node.lineno, f".{node.func.attr}(state=…)"
                if (kw.arg == "update_fields" and node.func.attr == "save"
                        and "'state'" in ast.unparse(kw.value)):
                    yield node.lineno, "save(update_fields=[…'state'…])"
                if kw.arg == "defaults" and "'state'" in ast.unparse(kw.value):
                    yield node.lineno, f".{node.func.attr}(defaults={{'state': …}})"
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for el in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(el, ast.Attribute) and el.attr == "state":
                        yield node.lineno, ".state = …"


def test_the_scanner_sees_each_form():
    source = ("A.objects.filter(pk=1).update(state='x')\nobj.state = 'y'\n"
              "obj.state, obj.at = 'z', 1\nobj.save(update_fields=['state'])\n"
              "A.objects.create(state='closed')\n")
    assert sorted(line for line, _what in state_writes(source)) == [1, 2, 3, 4, 5]


def test_no_state_is_written_outside_the_workflow_mechanism():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if _exempt(path):
            continue
        for line, what in state_writes(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT.parent)}:{line}: {what}")
    assert found == []


def test_no_template_decides_on_a_state_again():
    """Pages render what core.workflow.may() (or a workflow's declared per-state features)
    offers; a template that compares a state would be a second copy of the graph."""
    import re

    compare = re.compile(r"\.state\s*[!=]=|\bstate\s*[!=]=\s*['\"]")
    found = [f"{path.relative_to(ROOT)}:{n}"
             for path in sorted(ROOT.rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if compare.search(line)]
    assert found == []
