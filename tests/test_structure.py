"""The package's shape, read from its source: no import cycles, the engine apart from the lesson,
click only in the CLI, small modules.

Everything here is derived from the tree under ``grader/`` (parsed, never imported), so a new
module is covered the day it is added.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import source_tree
from grader import course as courses

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "grader"
MAX_LINES = 300

# Modules allowed past MAX_LINES, each with its reason. A course's checks files (lesson content,
# read by teachers, one test per mistake) are exempt wholesale; see ``_is_content_checks``.
LONG_MODULES = {
    # One sequence of namespace and mount steps that only makes sense read top to bottom
    # (see the comment at its top); split, the order that keeps the jail sound would be scattered.
    "grader.isolation.jail",
}


@cache
def _modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return source_tree.modules(PACKAGE)


@cache
def _imports_of(module: str) -> frozenset[tuple[str, int]]:
    """(name, line) of every import in ``module`` (``source_tree.imports``)."""
    return frozenset(source_tree.imports(_modules()[module], module))


@cache
def _graph() -> dict[str, dict[str, int]]:
    """module -> {module of ours it imports: the first line that does}."""
    graph = {}
    for module in _modules():
        edges: dict[str, int] = {}
        for name, line in sorted(_imports_of(module), key=lambda x: x[1]):
            target = source_tree.owner(name, _modules())
            if target is not None and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:  # Tarjan; the package is small enough for recursion
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(set(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_within(graph, component) for component in components]


def _path_within(graph, component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, staying inside the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node]):
                if nxt == start:
                    return paths[node] + [start]
                if nxt in component and nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return sorted(component)


def _describe(graph, cycle: list[str]) -> str:
    steps = [f"{a} (line {graph[a][b]}) -> {b}" for a, b in zip(cycle, cycle[1:])]
    return "\n    ".join(steps)


def test_no_import_cycles_among_the_packages_modules():
    """Function-level imports count too: a cycle hidden in a function still means two modules
    that cannot be understood, tested or moved apart."""
    graph = _graph()
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n  " + "\n  ".join(_describe(graph, c) for c in cycles)


# ---------------------------------------------------------------- layers

# What each layer may import of the others: the isolation layer (where student code runs) knows
# nothing of grading; grading knows nothing of the instructor's tools; the runner inside
# Gradescope and the notebook check are student-side too.
LAYERS = {
    "grader.isolation": {"grader.isolation", "grader.errors"},
    "grader.grading": {"grader.grading", "grader.isolation", "grader.course", "grader.errors"},
    "grader.jupyter": {"grader.jupyter", "grader.grading", "grader.isolation", "grader.course", "grader.errors"},
    "grader.autograder": {"grader.autograder", "grader.grading", "grader.isolation", "grader.course",
                          "grader.errors"},
}


def _layer(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_each_layer_imports_only_the_layers_below_it():
    """``grader`` itself (its ``__init__``: the version) is below every layer."""
    found = []
    for module in sorted(_modules()):
        allowed = LAYERS.get(_layer(module))
        if allowed is None:
            continue
        for target, line in _graph()[module].items():
            if _layer(target) not in allowed and target != "grader":
                found.append(f"{module}:{line} imports {target}")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- engine and content apart

@cache
def _content_package() -> str:
    """The lesson's package, found as the engine finds it: through course.toml."""
    return courses.load(ROOT).content_package


def _in_content(module: str) -> bool:
    return module == _content_package() or module.startswith(_content_package() + ".")


def _strings(module: str):
    """(line, text) of each string constant in ``module`` that is not a docstring."""
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_the_content_package_is_found_through_course_toml():
    assert _content_package() in _modules() and _modules()[_content_package()].name == "__init__.py"
    assert any(_in_content(m) and m.endswith(".probes") for m in _modules())


def test_the_engine_never_imports_the_lessons_content():
    """Every module outside the content folder knows no lesson by name: not in an import, not in a
    string it could import by (``importlib.import_module("grader.lesson...")``)."""
    package = _content_package()
    path = package.replace(".", "/")
    found = []
    for module in sorted(m for m in _modules() if not _in_content(m)):
        for name, line in _imports_of(module):
            target = source_tree.owner(name, _modules())
            if target is not None and _in_content(target):
                found.append(f"{module}:{line} imports {target}")
        for line, text in _strings(module):
            if package in text or path in text:
                found.append(f"{module}:{line} names the content package in {text[:60]!r}")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- click only in the CLI

CLI = "grader.cli"


def test_only_the_cli_imports_click():
    """The domain raises ``grader.errors`` types and returns text; only ``grader.cli`` knows click
    (flask's cli.py keeps click out of the app the same way). Batch's progress bar is the CLI's,
    handed in as a callback."""
    found = [f"{module}:{line} imports {name}"
             for module in sorted(_modules()) if module != CLI and not module.startswith(CLI + ".")
             for name, line in sorted(_imports_of(module), key=lambda x: x[1])
             if name == "click" or name.startswith("click.")]
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- small modules

def _is_content_checks(module: str) -> bool:
    """A lesson's checks module: one test per mistake the lesson is about, read by teachers. Long
    is fine there; it is content, not engine."""
    return _in_content(module) and module.rpartition(".")[2] == Path(courses.CHECKS_FILE).stem


def test_no_module_is_longer_than_it_should_be():
    long = {}
    for module, path in _modules().items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and module not in LONG_MODULES and not _is_content_checks(module):
            long[module] = lines
    assert not long, (f"modules over {MAX_LINES} lines (split them, or add one to LONG_MODULES with "
                      f"the reason): {dict(sorted(long.items()))}")


def test_the_allow_list_names_only_modules_that_need_it():
    stale = {m for m in LONG_MODULES if m not in _modules()
             or len(_modules()[m].read_text(encoding="utf-8").splitlines()) <= MAX_LINES}
    assert not stale, f"LONG_MODULES names modules that are gone or short now: {sorted(stale)}"


# ---------------------------------------------------------------- optional parts

CLUSTER_MODULES = {"grader.batch.cluster", "grader.batch.on_worker"}


def test_only_the_cluster_modules_import_dask():
    """Dask is an optional extra: only ``grade batch --cluster`` reaches the two modules that use it
    (tests/test_cluster.py checks that a local batch never imports it at all)."""
    found = [f"{module}:{line} imports {name}"
             for module in sorted(_modules()) if module not in CLUSTER_MODULES
             for name, line in sorted(_imports_of(module), key=lambda x: x[1])
             if name.split(".")[0] in ("dask", "distributed") or name == "grader.batch.on_worker"]
    assert not found, "\n".join(found)


def test_only_the_plots_module_imports_matplotlib():
    """matplotlib is an optional extra (the class report's plots): one module uses it, inside a
    function (tests/test_class_report.py checks that `grade` starts without it)."""
    found = [f"{module}:{line} imports {name}"
             for module in sorted(_modules()) if module != "grader.batch.plots"
             for name, line in sorted(_imports_of(module), key=lambda x: x[1])
             if name.split(".")[0] == "matplotlib"]
    assert not found, "\n".join(found)


def test_the_fingerprint_covers_every_engine_package():
    """What a stored grade (and a cluster worker's course) is checked against: every engine package,
    none of the course content that happens to sit in the package."""
    from grader.batch.fingerprint import ENGINE

    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    content = courses.load(ROOT).content
    assert packages - {content.name if content.parent == PACKAGE else ""} == set(ENGINE)


# ---------------------------------------------------------------- each package's map

# A name in double backquotes that could be a module: ``judge``, ``grader.batch``, ``probes.py``.
MODULE_NAME = re.compile(r"``([a-z_][a-z0-9_.]*)``")


def _packages() -> list[str]:
    return sorted(m for m, path in _modules().items() if path.name == "__init__.py")


def _map(package: str) -> str:
    """``package``'s docstring: its map."""
    return ast.get_docstring(ast.parse(_modules()[package].read_text(encoding="utf-8"))) or ""


def _docstrings(module: str):
    """(where, docstring) of ``module``, its classes and its functions."""
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                yield (module if isinstance(node, ast.Module) else f"{module}.{node.name}"), doc


def test_each_package_names_all_its_modules_in_its_map():
    """A package's docstring is its map: every module and subpackage in it, with what it holds. The
    content package's exercise folders are course.toml's to list (each holds probes and checks)."""
    course = courses.load(ROOT)
    exercises = {f"{course.content_package}.{course.content_dir(e).name}" for e in course.exercises}
    found = []
    for package in _packages():
        named = set(MODULE_NAME.findall(_map(package)))
        for child in sorted(m for m in _modules() if m.rpartition(".")[0] == package and m not in exercises):
            if child.rpartition(".")[2] not in named:
                found.append(f"{package}'s docstring does not name ``{child.rpartition('.')[2]}``")
    assert not found, "\n".join(found)


def _defines(module: str) -> set[str]:
    """The names ``module`` defines at its top level, and the members of its classes (``Class.name``)."""
    names = set()
    for node in ast.parse(_modules()[module].read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{n.name}" for n in node.body
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
            names |= {f"{node.name}.{n.target.id}" for n in node.body
                      if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    return names


def test_the_maps_and_docstrings_name_only_what_exists():
    """A package's map names its own modules (``judge``) and files (``probes.py``); any docstring may
    name a module or what one defines by its dotted name (``grader.grading.lab.salted``). Each exists."""
    found = []
    for package in _packages():
        folder = _modules()[package].parent
        for name in MODULE_NAME.findall(_map(package)):
            if name.endswith(".py"):
                exists = any(folder.rglob(name))
            else:
                exists = name == "grader" or name.startswith("grader.") or f"{package}.{name}" in _modules()
            if not exists:
                found.append(f"{package}'s docstring names ``{name}``, which it does not hold")
    for module in sorted(_modules()):
        for where, doc in _docstrings(module):
            for name in re.findall(r"``(grader(?:\.\w+)*)``", doc):
                owner = source_tree.owner(name, _modules())
                rest = name[len(owner) + 1:] if owner and owner != name else ""
                if owner is None or (rest and rest not in _defines(owner)):
                    found.append(f"{where}'s docstring names ``{name}``, which does not exist")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- contracts are types

PROTOCOL = "grader.isolation.protocol"
CHECK_HELPER = "grader.grading.lab"  # builds every job a check sends


def _class(module: str, name: str) -> ast.ClassDef:
    tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)


def _job_fields() -> set[str]:
    return {n.target.id for n in _class(PROTOCOL, "Job").body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}


def _error_kinds() -> set[str]:
    return {n.value.value for n in _class(PROTOCOL, "ErrorKind").body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


def _key_read(node: ast.AST) -> str | None:
    """The string key ``node`` reads out of a mapping (``x["timeout"]``, ``x.get("timeout", 30)``), if it does."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Constant):
        return node.slice.value if isinstance(node.slice.value, str) else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
        return node.args[0].value
    return None


SCENARIO = {"probe", "params", "device"}
"""Fields a job shares with a scenario of the reference data (``grader.grading.references``), which is no job."""


def test_a_job_is_built_and_read_as_a_job_never_as_a_dict():
    """``protocol.Job`` is the one shape of a job, its defaults written once: no module builds a dict of
    three or more of its fields (more than a scenario's), and no module that runs or sends jobs but the
    protocol (which frames them) reads one of its fields out of a mapping (``request.get("timeout", 30)``)."""
    fields = _job_fields()
    assert {"probe", "params", "chunks", "timeout", "memory_mb"} <= fields
    found = []
    for module in sorted(_modules()):
        readers = module != PROTOCOL and (module.startswith("grader.isolation.") or module == CHECK_HELPER)
        for node in ast.walk(ast.parse(_modules()[module].read_text(encoding="utf-8"))):
            keys: set[str] = set()
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
                keys = {k.arg for k in node.keywords if k.arg}
            if len(keys & fields) >= 3 and keys & fields - SCENARIO:
                found.append(f"{module}:{node.lineno} builds a job as a dict ({', '.join(sorted(keys & fields))})")
            if readers and _key_read(node) in fields:
                found.append(f"{module}:{node.lineno} reads a job's {_key_read(node)!r} out of a mapping")
    assert not found, "\n".join(found)


def _spelled_kinds(node: ast.AST, kinds: set[str]) -> set[str]:
    """The error kinds ``node`` spells as string constants (alone, or in a tuple, list or set)."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)} & kinds


def test_an_errors_kind_is_an_error_kind_never_a_string():
    """The worker and the judge name an error's kind by ``protocol.ErrorKind`` (a kind a worker claims that
    is none of them is the student's exception: ``ErrorKind.claimed``): outside the protocol no module
    compares a kind with a string, nor writes one as a ``"kind"``."""
    kinds = _error_kinds()
    assert {"syntax", "not_implemented", "missing", "exception"} <= kinds
    found = []
    for module in sorted(m for m in _modules() if m != PROTOCOL):
        for node in ast.walk(ast.parse(_modules()[module].read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and "kind" in ast.unparse(node):
                spelled = set().union(*(_spelled_kinds(n, kinds) for n in [node.left, *node.comparators]))
            elif isinstance(node, ast.Dict):
                spelled = set().union(*(_spelled_kinds(v, kinds) for k, v in zip(node.keys, node.values)
                                        if isinstance(k, ast.Constant) and k.value == "kind"))
            else:
                continue
            if spelled:
                found.append(f"{module}:{node.lineno} spells the error kind {', '.join(sorted(spelled))} as a string")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- feedback is derived, never parsed

FEEDBACK_WORDS = {"what", "evidence", "fix", "text"}


def test_the_lesson_never_reads_a_feedbacks_words():
    """A check that knows more than a feedback it caught derives another from it (``Feedback.naming``,
    ``where``, ``because``, ``instead``) and reads the error it reports (``Feedback.raised``: the type and
    message of the student's exception), never the sentences another part wrote. So the lesson's code
    reads no attribute of those names, by dot or by getattr: nothing else in it is called so."""
    found = []
    for module in sorted(m for m in _modules() if _in_content(m)):
        for node in ast.walk(ast.parse(_modules()[module].read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and node.attr in FEEDBACK_WORDS:
                found.append(f"{module}:{node.lineno} reads .{node.attr}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in FEEDBACK_WORDS:
                found.append(f"{module}:{node.lineno} reads {node.args[1].value!r} with getattr")
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- one name per role

# The roles whose names once meant several things, and the one name each has now:
# - the *judge*: the trusted process that runs a submission's checks and decides its grade (``grade``
#   itself, or a batch's ``grader.batch.judge``; main's handle on one is ``pool._Judge``);
# - the *lab*: what a check asks for outcomes (the fixture ``lab``, ``grader.grading.lab.Lab``): the
#   student's, the reference's, a known-wrong implementation's;
# - the *fork server* (``grader.isolation.fork_server``; the judge's handle on it, ``client.ForkServer``),
#   never a zygote nor a sandbox; ``fork_judges``: main forking its judges, which is not one;
# - the *keeper*: the process ``jail.prepare_server`` leaves behind, waiting for its fork server; the
#   threads that start and feed warm judges on a cluster worker are *feeders*.
NAMES_GONE = {"zygote": "the fork server", "sandbox": "the fork server (or the jail)"}
KEEPER = "grader.isolation.jail"


def _words(module: str, word: str) -> list[int]:
    """The lines of ``module`` that hold ``word`` as a word or part of a name, in code or prose."""
    pattern = re.compile(rf"(?<![a-z]){word}", re.IGNORECASE)
    return [n for n, line in enumerate(_modules()[module].read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_each_role_has_one_name():
    """The roles above keep their one name, in code and prose: no zygote and no sandbox, a keeper only
    in the jail, and a judge only ever a process (never a check's helper, argument or fixture)."""
    found = []
    for module in sorted(_modules()):
        for word, name in NAMES_GONE.items():
            found += [f"{module}:{n} says {word!r}: call it {name}" for n in _words(module, word)]
        if module != KEEPER:
            found += [f"{module}:{n} says 'keeper': that is the jail's process (a thread is a feeder)"
                      for n in _words(module, "keeper")]
        tree = ast.parse(_modules()[module].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.lstrip("_") == "Judge" and module != "grader.batch.pool":
                found.append(f"{module}:{node.lineno} defines a class {node.name}: a judge is a process")
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "judge"
                    or isinstance(node, ast.arg) and node.arg == "judge" and not module.startswith("grader.batch.")):
                found.append(f"{module}:{node.lineno} names a function or a check's argument 'judge': "
                             "a check's outcomes come from the ``lab`` fixture")
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        found += [f"{doc.name}:{n} says 'zygote': call it the fork server"
                  for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1) if "zygote" in line.lower()]
    assert "grader.grading.judge" not in _modules() and "grader.isolation.server" not in _modules()
    assert not found, "\n".join(found)
