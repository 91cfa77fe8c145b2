"""No literal state name of a path definition outside states/ (and the templates that show it).

The code asks the definition instead ("is this an evaluation state?", "which state does the
outcome 'awarded' lead to?"), so that another programme's path works without a code change.
The scan reads every .py file under workflow/, forms/ and worker/ and reports, as file:line,
each string literal equal to a state code of any registered definition.

A few state codes are also the words of another vocabulary: a ranking's outcome ('awarded',
'reserve') and its document's keys ('formal_check'), an appeal's decision ('rejected'), the
evaluation blueprint's name. (A job's or snapshot's status 'done' was one until the CWD path's
sketch with its state 'done' was replaced.) OTHER_VOCABULARIES names
the modules where such a word means that other thing, and what it means there. Even in those
modules a word used about a state is reported: compared with an expression that names a
state, passed to a call on one (`Path.state.in_(...)`, `definition.state(...)`), given as a
`state=` argument or assigned to a name about states. Members of an Enum are another
vocabulary by construction and are not reported.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import states

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("workflow", "forms", "worker")
CODES = frozenset(s.code for d in states.REGISTRY.values() for s in d.states)

OUTCOMES = frozenset({"awarded", "reserve"})  # workflow/ranking/rule.py OUTCOMES
OTHER_VOCABULARIES: dict[str, tuple[frozenset[str], str]] = {
    "workflow/ranking/rule.py": (OUTCOMES | {"formal_check"},
                                 "the rule's outcomes; a key of the ranking document's rows"),
    "workflow/ranking/runs.py": (frozenset({"awarded", "formal_check"}),
                                 "an outcome and a key of the ranking document"),
    "workflow/ranking/appeals.py": (OUTCOMES | {"rejected"},
                                    "outcomes and a refusal's code; an appeal's decision"),
    "workflow/ranking/views/ranking.py": (OUTCOMES | {"formal_check"},
                                          "outcomes and a key of the ranking document"),
    "workflow/ranking/views/results.py": (OUTCOMES | {"rejected"}, "outcomes; an appeal's decision"),
    "workflow/cli/rank.py": (OUTCOMES, "the rule's outcomes"),
    "forms/ranking.py": (frozenset({"rejected"}), "an appeal's decision"),
    "workflow/evaluation/views/evaluation.py": (frozenset({"evaluation"}), "the blueprint's name"),
}

ABOUT_A_STATE = re.compile(r"state", re.IGNORECASE)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _is_enum_member(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    assign = parents.get(node)
    owner = parents.get(assign) if isinstance(assign, ast.Assign) else None
    return isinstance(owner, ast.ClassDef) and any("Enum" in ast.unparse(b) for b in owner.bases)


def _about_a_state(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the literal `node` is used about a state (see the module docstring)."""
    child, here = node, parents.get(node)
    while here is not None and not isinstance(here, ast.stmt | ast.Lambda | ast.comprehension):
        if isinstance(here, ast.Compare) and ABOUT_A_STATE.search(ast.unparse(here)):
            return True
        if (isinstance(here, ast.Call) and child is not here.func
                and ABOUT_A_STATE.search(ast.unparse(here.func))):
            return True
        if isinstance(here, ast.keyword) and here.arg and ABOUT_A_STATE.search(here.arg):
            return True
        child, here = here, parents.get(here)
    if isinstance(here, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = here.targets if isinstance(here, ast.Assign) else [here.target]
        return any(ABOUT_A_STATE.search(ast.unparse(t)) for t in targets)
    if isinstance(here, ast.Compare | ast.Return | ast.If) and ABOUT_A_STATE.search(ast.unparse(here)):
        return True
    return False


def state_literals(path: Path, allowed: frozenset[str] = frozenset(), root: Path = ROOT) -> list[str]:
    """'file:line: code' for each literal state code in the module at `path`, in order."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = _parents(tree)
    found = []
    for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CODES):
            continue
        if _is_enum_member(node, parents):
            continue
        if node.value in allowed and not _about_a_state(node, parents):
            continue
        found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    return found


def modules() -> list[Path]:
    return sorted(p for top in SCANNED for p in (ROOT / top).rglob("*.py"))


def test_no_state_name_is_written_out_in_the_code():
    found = []
    for path in modules():
        allowed, _meaning = OTHER_VOCABULARIES.get(path.relative_to(ROOT).as_posix(), (frozenset(), ""))
        found += state_literals(path, allowed)
    assert not found, "state names written out (ask the path definition instead):\n" + "\n".join(found)


def test_the_other_vocabularies_name_real_modules_and_state_words():
    for name, (words, meaning) in OTHER_VOCABULARIES.items():
        assert (ROOT / name).is_file(), name
        assert words and words <= CODES, (name, words - CODES)
        assert meaning


def test_the_scan_finds_a_state_written_out(tmp_path):
    """The scan itself: what it must report, and the other vocabularies it must let be."""
    module = tmp_path / "example.py"
    module.write_text(
        "import enum\n"
        "def can_set_amount(path):\n"
        "    return path.state in ('application.draft', 'application.returned')\n"  # line 3: two
        "REOPENABLE = ('reserve', 'not_awarded')\n"  # line 4: 'not_awarded' (reserve allowed here)
        "q = select(Path).where(Path.state == 'evaluation')\n"  # line 5: about a state
        "OUTCOME_STATE = {'awarded': ('award', 'awarded')}\n"  # line 6: about states, twice
        "kept = [a for a in rows if a['outcome'] == 'awarded']\n"  # an outcome: allowed
        "class Status(enum.StrEnum):\n"
        "    DONE = 'completed'\n"  # an enum member
        "snapshot.status = 'completed'\n"  # a status: allowed
        "Path(programme=p, state='rejected')\n",  # line 11: a state= argument
        encoding="utf-8",
    )
    other = frozenset({"awarded", "reserve", "completed", "evaluation", "rejected"})
    found = state_literals(module, other, root=tmp_path)
    assert [f.split(":")[1] for f in found] == ["3", "3", "4", "5", "6", "6", "11"], found
    # Where no other vocabulary is declared, the outcome, the status and the 'reserve' of
    # line 4 are reported too; the enum's member never is.
    everything = state_literals(module, root=tmp_path)
    assert [f.split(":")[1] for f in everything] == ["3", "3", "4", "4", "5", "6", "6", "7", "10", "11"]
