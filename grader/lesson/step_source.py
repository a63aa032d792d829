"""Reading a submission's source for how each function takes its step (``how_steps_are_taken``).

The code a function can run is its own body, what it names in the module (recursively; a class with
all its methods), and everything the module runs when imported (``if __name__ == "__main__":`` blocks
never run when graded). Every name in that code is judged by ``grader.lesson.step_names``. A student's
source is untrusted: ``how_steps_are_taken`` runs in a child under limits (``grader.grading.bounded``,
called by ``grader.lesson.by_hand``), returns plain data, and reads each node of a file once.
"""

from __future__ import annotations

import ast

from grader.lesson.step_names import (BY_NAME, BY_NAME_OPERATOR, FRAMES, HIDDEN, HIDING_BUILTINS, OPTIM,
                                      OPTIM_WORD, PLAIN_DUNDERS, importable, is_dunder, judge_path,
                                      torch_lookup_names)

_FINDINGS = 10  # findings noted per definition or statement: a few say enough


def how_steps_are_taken(chunks: list[list[str]], functions: list[str]) -> dict[str, list[dict]]:
    """For each of ``functions``, what its code (``chunks``: [filename, source] pairs, one module) shows
    about how it steps: findings ``{"kind": OPTIM or HIDDEN, "what": words, "where": "file, line n"}``,
    none when everything it can run is plain arithmetic. Plain data: this runs in a child under limits."""
    source = _Source(chunks)
    return {name: source.findings(name) for name in functions}


def _main_guard(stmt) -> bool:
    """``if __name__ == "__main__":``, whose body never runs when the module is graded."""
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq) and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


class _Source:
    """One submission's module, read: its imports, its module-level definitions, what runs at import."""

    def __init__(self, chunks: list[list[str]]):
        self.trees: list[tuple[str, str, ast.Module]] = []
        self.unreadable: list[dict] = []
        for filename, text in chunks:
            try:
                self.trees.append((filename, text, ast.parse(text, filename)))
            except (SyntaxError, ValueError):
                self.unreadable.append({"kind": HIDDEN, "what": "its code cannot be read",
                                        "where": filename})
        self.parent: dict[int, ast.AST] = {}
        self.file: dict[int, tuple[str, str]] = {}
        self.imports: dict[str, set[str]] = {}
        self.bound: set[str] = set()  # every name the module binds anywhere, so no builtin
        self.defs: dict[str, list[ast.AST]] = {}
        self.import_time: list[ast.AST] = []
        for filename, text, tree in self.trees:
            todo: list[ast.AST] = [tree]
            while todo:  # every node once (a file may hold a megabyte of code)
                node = todo.pop()
                self.file[id(node)] = (filename, text)
                self._note_binding(node)
                for child in ast.iter_child_nodes(node):
                    self.parent[id(child)] = node
                    todo.append(child)
            self._at_import(tree.body, top=True)
        self._scans: dict[int, tuple[list[dict], list[str]]] = {}
        self._lines: dict[str, list[str]] = {}

    def _note_binding(self, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                self.imports.setdefault(bound, set()).add(alias.name if alias.asname else bound)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    self.imports.setdefault(alias.asname or alias.name, set()).add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            self.bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bound.add(node.name)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
        elif isinstance(node, ast.alias):
            self.bound.add(node.asname or node.name.partition(".")[0])

    def _at_import(self, body: list, top: bool) -> None:
        """Sort module-level statements (``top``) or a class body into what runs at import and what is
        defined (a function's body runs when called)."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if top:
                    self.defs.setdefault(stmt.name, []).append(stmt)
                self.import_time += stmt.decorator_list
                if isinstance(stmt, ast.ClassDef):
                    self.import_time += [*stmt.bases, *stmt.keywords]
                    self._at_import(stmt.body, top=False)
                else:
                    args = stmt.args
                    self.import_time += [*args.defaults, *filter(None, args.kw_defaults)]
                    self.import_time += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                                                args.vararg, args.kwarg) if a and a.annotation]
                    self.import_time += [stmt.returns] if stmt.returns else []
                continue
            if _main_guard(stmt):
                self._at_import(stmt.orelse, top)
                continue
            for _, value in ast.iter_fields(stmt):
                items = value if isinstance(value, list) else [value]
                for item in items:
                    if isinstance(item, ast.stmt):
                        self._at_import([item], top)
                    elif isinstance(item, (ast.ExceptHandler, ast.match_case)):
                        self.import_time += [x for x in (getattr(item, "type", None), getattr(item, "pattern", None),
                                                         getattr(item, "guard", None)) if x]
                        self._at_import(item.body, top)
                    elif isinstance(item, ast.AST):
                        self.import_time.append(item)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.import_time.append(stmt)

    def _scan(self, root) -> tuple[list[dict], list[str]]:
        """The findings in ``root`` and the names it loads, each subtree read once."""
        if id(root) not in self._scans:
            found: list[dict] = []
            names: list[str] = []
            for node in ast.walk(root):
                if isinstance(node, ast.Name):
                    names.append(node.id)
                finding = self._check(node) if len(found) < _FINDINGS else None
                if finding:
                    filename, _ = self.file.get(id(node), ("?", ""))
                    found.append({"kind": finding[0], "what": finding[1],
                                  "where": f"{filename}, line {getattr(node, 'lineno', '?')}"})
            self._scans[id(root)] = (found, names)
        return self._scans[id(root)]

    def findings(self, name: str) -> list[dict]:
        """What the code ``name`` can run shows: what runs at import, and every module-level definition
        named from there or from ``name`` on (a class with all its methods)."""
        found: list[dict] = list(self.unreadable)
        where = self.trees[0][0] if self.trees else "?"
        if name not in self.defs and name not in self.imports and name not in self.bound:
            found.append({"kind": HIDDEN, "where": where,
                          "what": f"no line of the file defines `{name}` (no `def {name}(…)`)"})
        for path in sorted(self.imports.get(name, ())):  # the function itself imported: whose is it?
            kind, what = self._judge(path) or (None, "")
            if kind:
                found.append({"kind": kind, "what": f"`{name}` is `{path}`" if kind == OPTIM else what,
                              "where": where})
        todo, seen = [name], set()
        for root in self.import_time:
            more, names = self._scan(root)
            found += more
            todo += names
        while todo:
            wanted = todo.pop()
            if wanted in seen:
                continue
            seen.add(wanted)
            for node in self.defs.get(wanted, []):
                more, names = self._scan(node)
                found += more
                todo += names
        unique = {(f["kind"], f["what"], f["where"]): f for f in found}
        return sorted(unique.values(), key=lambda f: (f["kind"] != OPTIM, _line(f["where"])))

    # -- one node

    def _shown(self, node) -> str:
        """The start of ``node``'s source, on one line (its first line only: a file's lines are split once)."""
        filename, text = self.file.get(id(node), ("", ""))
        if filename not in self._lines:
            self._lines[filename] = text.splitlines()
        lines, row = self._lines[filename], getattr(node, "lineno", 0) - 1
        if not 0 <= row < len(lines):
            return ""
        line = lines[row].encode("utf-8")  # offsets count UTF-8 bytes
        end = node.end_col_offset if getattr(node, "end_lineno", None) == node.lineno else len(line)
        segment = line[node.col_offset:end].decode("utf-8", "replace")
        return segment if len(segment) <= 60 else segment[:57] + "…"

    def _shown_call(self, node, parent) -> str:
        return self._shown(parent if isinstance(parent, ast.Call) else node)

    def _check(self, node) -> tuple[str, str] | None:
        parent = self.parent.get(id(node))
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                return (HIDDEN, f"it sets `{node.id}`, a name of Python's own machinery") \
                    if is_dunder(node.id) else None
            if node.id in self.imports:
                if isinstance(parent, ast.Attribute) and parent.value is node:
                    return None  # judged with the whole chain
                return self._judge_all(self.imports[node.id], node)
            # Whatever the module binds to these names (`getattr = getattr`, a default argument), they
            # are Python's: nobody names a variable of a step so.
            if node.id in BY_NAME:
                return self._by_name(node, parent)
            if node.id in HIDING_BUILTINS:
                return HIDDEN, f"it {HIDING_BUILTINS[node.id]}, `{self._shown_call(node, parent)}`"
            if node.id in self.bound:
                return None
            if is_dunder(node.id) and node.id not in PLAIN_DUNDERS:
                return HIDDEN, f"it uses `{node.id}`, Python's own machinery"
            return None
        if isinstance(node, ast.Attribute):
            return self._attribute(node, node.attr, parent)
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return HIDDEN, f"it imports from its own folder (`{self._shown(node)}`), code the grader does not read"
            if any(alias.name == "*" for alias in node.names) and node.module not in ("math", "cmath"):
                return HIDDEN, f"`from {node.module} import *` hides which names come from `{node.module}`"
            return importable(node.module or "")
        if isinstance(node, ast.Import):
            for alias in node.names:
                problem = importable(alias.name)
                if problem:
                    return problem
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            if len(text) < 200 and not any(c.isspace() for c in text) and OPTIM_WORD.search(text):
                return OPTIM, f"it names `{text}` in a string"
        return None

    def _attribute(self, node, attr: str, parent) -> tuple[str, str] | None:
        if is_dunder(attr) and attr not in PLAIN_DUNDERS:
            return HIDDEN, f"it reaches into Python's machinery, `{self._shown(node)}`"
        if attr in FRAMES:
            return HIDDEN, f"it reads the running program's frames, `{self._shown(node)}`"
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return None  # judged with the whole chain, at its end
        path = self._dotted(node)
        if path is None:  # not a module's name (torch under another name?): the chain's attributes tell
            chain, link = [], node
            while isinstance(link, ast.Attribute):
                chain.append(link.attr)
                link = link.value
            if any(map(OPTIM_WORD.search, chain)):
                return OPTIM, f"it uses `{self._shown(node)}`"
            if set(chain) & torch_lookup_names():
                return HIDDEN, f"it reaches into torch's internals under another name, `{self._shown(node)}`"
            return None
        if not isinstance(node.ctx, ast.Load):
            return HIDDEN, f"it changes `{path}`, part of a module: then no operation is what its name says"
        return self._judge(path, node)

    def _by_name(self, node, parent) -> tuple[str, str] | None:
        """getattr, setattr, delattr (or operator.attrgetter/methodcaller): a name written out is an
        attribute like any other; one computed while the code runs hides what it reaches."""
        call = parent if isinstance(parent, ast.Call) and parent.func is node else None
        by_builtin = getattr(node, "id", "") in BY_NAME
        names = (call.args[1:2] if by_builtin else call.args) if call is not None else []
        texts = [a.value for a in names if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if call is None or not names or len(texts) != len(names):
            return HIDDEN, f"it looks up a name built while it runs, `{self._shown_call(node, parent)}`"
        for text in texts:
            for attr in text.split("."):
                if is_dunder(attr) and attr not in PLAIN_DUNDERS or attr in FRAMES:
                    return HIDDEN, f"it reaches into Python's machinery, `{self._shown(call)}`"
                if OPTIM_WORD.search(attr):
                    return OPTIM, f"it uses `{self._shown(call)}`"
        base = self._dotted(call.args[0]) if by_builtin and call.args else None
        if base is not None and getattr(node, "id", "") != "getattr":
            return HIDDEN, (f"it changes `{base}.{texts[0]}`, part of a module: then no operation is "
                            "what its name says")
        if base is not None:
            return self._judge(f"{base}.{texts[0]}", call)
        return None

    def _dotted(self, node) -> str | None:
        """The module path an expression names (``torch.optim.SGD``), or None if it is not one."""
        if isinstance(node, ast.Name):
            paths = self.imports.get(node.id)
            return sorted(paths)[0] if paths and len(paths) == 1 else None
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                and "getattr" not in self.bound and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, str):
            base = self._dotted(node.args[0])
            return f"{base}.{node.args[1].value}" if base else None
        return None

    def _judge_all(self, paths: set[str], node) -> tuple[str, str] | None:
        verdicts = [v for v in (self._judge(p, node) for p in sorted(paths)) if v]
        return min(verdicts, key=lambda v: v[0] != OPTIM) if verdicts else None

    def _judge(self, path: str, node=None) -> tuple[str, str] | None:
        """``judge_path``, but attrgetter and methodcaller with names written out are seen at their call."""
        if path in BY_NAME_OPERATOR and node is not None:
            return self._by_name(node, self.parent.get(id(node)))
        return judge_path(path)


def _line(where: str) -> int:
    tail = where.rpartition("line ")[2]
    return int(tail) if tail.isdigit() else 0
