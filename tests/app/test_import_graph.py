"""The core's import graph has no cycle: not between modules, not between packages (issue #13).

Every module of app/ is parsed with `ast`; module-level and function-level imports both count (a function-level
import is still a dependency, it only runs later), relative ones are resolved. Imports under `if TYPE_CHECKING:`
do not count: they never run. `from app.x import name` is an edge to `app.x.name` when that is a module, else to
`app.x`. A package's node in the package graph is `app.<pkg>` (a top-level module such as app/erasure.py is its own
package)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

# Function-level imports allowed in app/, each with the reason it is not at module level. Everything else imports
# at the top of the module (a plain, visible dependency). (module, imported module or name prefix): reason.
LAZY_IMPORTS_ALLOWED = {
    ("app.scans.pages", "pypdfium2"): "heavy PDF renderer, loaded only when a PDF file is imported",
    ("app.scans.redaction", "pypdfium2"): "heavy PDF renderer, loaded when a form's layout is first rendered (cached)",
    ("app.storage.instance", "fcntl"): "POSIX only: the single-instance lock picks the platform's module",
    ("app.storage.instance", "msvcrt"): "Windows only: the single-instance lock picks the platform's module",
    ("app.selftest", "sqlcipher3"): "the self-test reports a missing or broken package instead of failing to import",
    ("app.selftest", "pypdf"): "the self-test reports a missing or broken package instead of failing to import",
    ("app.selftest", "app"): "each step imports the modules it checks: one left out of a bundle fails that step "
    "with the module's name (selftest._describe) instead of `--self-test` failing before it prints anything",
    ("app.cli", "app.printing.recovery_sheet"): "reportlab (about 0.3 s to import) only for the commands that print "
    "a recovery sheet (setup, rekey): the others start without it",
    ("app.printing.escpos", "escpos"): "python-escpos loads a 1 MB printer database at import (~1 s): on first "
    "receipt, after pointing its pickle cache at our cache directory",
}
# Modules of other work in flight (issue #13's other helpers own them); their function-level imports are not
# judged here yet. Remove a module from this set when its imports move to the top; the set only shrinks.
NOT_YET_REVIEWED: set[str] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in APP.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str):
    """(target module, is_function_level, top-level name) for every import in the file."""
    tree = ast.parse(path.read_text("utf-8"))
    is_pkg = path.name == "__init__.py"
    out = []

    def visit(node, in_function):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, in_function)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append((alias.name, in_function, None))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                out.append((module, in_function, alias.name))
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return out


def _graph():
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    lazy = []
    for name, path in modules.items():
        for module, in_function, imported in _imports(path, name):
            if in_function:
                lazy.append((name, module if imported is None else f"{module}.{imported}"))
            if not module.startswith("app"):
                continue
            target = f"{module}.{imported}" if imported and f"{module}.{imported}" in modules else module
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name:
                edges[name].add(target)
    return edges, lazy


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _find_cycle(edges: dict[str, set[str]]):
    """One cycle as a list of nodes (first == last), or None. Iterative DFS with colours."""
    white, grey, black = 0, 1, 2
    colour = {n: white for n in edges}
    for start in sorted(edges):
        if colour[start] != white:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour.get(child, black) == grey:
                    return [*path[path.index(child) :], child]
                if colour.get(child) == white:
                    colour[child] = grey
                    stack.append((child, iter(sorted(edges[child]))))
                    path.append(child)
                    break
            else:
                colour[node] = black
                stack.pop()
                path.pop()
    return None


def _all_cycles_text(edges):
    """Every strongly connected component of more than one node (for the failure message)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def test_graph_sees_known_edges():
    edges, _ = _graph()
    # absolute, relative and function-level imports are all seen (a sanity check of the parser)
    assert "app.storage.db" in edges["app.access.vault"]
    assert "app.flows.steps" in edges["app.flows.registration"]
    assert all(_package(m).startswith("app") for m in edges)


def test_no_module_import_cycle():
    edges, _ = _graph()
    cycle = _find_cycle(edges)
    assert cycle is None, "module import cycle: " + " -> ".join(cycle) + f"\nall: {_all_cycles_text(edges)}"


def test_no_package_import_cycle():
    edges, _ = _graph()
    packages: dict[str, set[str]] = {}
    for src, targets in edges.items():
        packages.setdefault(_package(src), set())
        for t in targets:
            packages.setdefault(_package(t), set())
            if _package(t) != _package(src):
                packages[_package(src)].add(_package(t))
    cycle = _find_cycle(packages)
    assert cycle is None, "package import cycle: " + " -> ".join(cycle) + f"\nall: {_all_cycles_text(packages)}"


def test_function_level_imports_have_a_reason():
    _, lazy = _graph()
    unexplained = sorted(
        {
            (src, target)
            for src, target in lazy
            if src not in NOT_YET_REVIEWED
            and not any(src == a and (target == b or target.startswith(b + ".")) for a, b in LAZY_IMPORTS_ALLOWED)
        }
    )
    assert unexplained == [], "function-level imports without a reason (move them to the top): " + repr(unexplained)


def test_the_core_of_issue_13_imports_at_the_top():
    """The domains of the enrolment use cases, the data copy, storage, staff and settings: no function-level import
    of app modules at all (a hidden dependency is how the consent/members/requests/scans loop stayed unseen)."""
    _, lazy = _graph()
    core = (
        "app.consent",
        "app.members",
        "app.requests",
        "app.scans",
        "app.flows",
        "app.storage",
        "app.staff",
        "app.access",
        "app.settings",
        "app.erasure",
        "app.datacopy",
        "app.sync.journal",
        "app.purchases.records",
        "app.printing.serials",
    )
    hidden = sorted(
        {
            (src, target)
            for src, target in lazy
            if target.startswith("app.")
            and any(src == c or src.startswith(c + ".") for c in core)
            and src not in NOT_YET_REVIEWED
        }
    )
    assert hidden == []


def test_no_private_name_imported_across_packages():
    """A domain exposes public functions; no package imports another's `_private` name (issue #13)."""
    offenders = []
    for name, path in _modules().items():
        for module, _in_function, imported in _imports(path, name):
            if (
                imported
                and imported.startswith("_")
                and not imported.startswith("__")
                and module.startswith("app")
                and _package(module) != _package(name)
            ):
                offenders.append((name, f"{module}.{imported}"))
    assert offenders == []


def test_only_the_members_domain_writes_the_members_table():
    """One owner per table: `members` is written only by app/members (app.members.records), issue #13."""
    import re

    write = re.compile(
        r"\b(UPDATE|INSERT\s+INTO|INSERT\s+OR\s+\w+\s+INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+members\b", re.IGNORECASE
    )
    exceptions = {
        # the row's deletion is the erasure's last step; app.erasure sits below every domain (they register their
        # erasers with it), so it cannot call app.members without an import cycle
        "app.erasure",
        # not yet moved: a new notice flags the members who must consent again (CON-5); app.notices is below
        # app.members (paper forms name notices), so this needs an inversion of its own
        "app.notices.store",
    }
    writers = sorted(
        name
        for name, path in _modules().items()
        if write.search(path.read_text("utf-8")) and not name.startswith("app.members") and name not in exceptions
    )
    assert writers == []
