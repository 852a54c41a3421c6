/**
 * The Python program that lists the assertions of Python test files with Python's own `ast`. It is
 * run inside the task's sandbox image (never on the host): `python3 - FILE...` with this text on
 * stdin, in the folder holding the files; it prints one JSON object (see sites.ts for its shape).
 * Offsets are byte offsets into the file as stored; lines are 1-based.
 */
export const pythonScanProgram = String.raw`
import ast, json, math, re, sys

EXPECTED_NAME = re.compile(r"expect|want|result|answer|output|^out$|^exp$|^res$", re.I)
SKIP_NAMES = {"skip", "skipif", "xfail", "skipIf", "skipUnless", "expectedFailure"}
EQUAL_METHODS = {"assertEqual", "assertEquals", "assertListEqual", "assertTupleEqual", "assertDictEqual",
                 "assertSetEqual", "assertCountEqual", "assertAlmostEqual", "assertSequenceEqual", "assertMultiLineEqual"}
TRUTH_METHODS = {"assertTrue": True, "assertFalse": False}


class Source:
    def __init__(self, data):
        self.data = data
        starts = [0]
        i, n = 0, len(data)
        while i < n:
            c = data[i]
            if c == 10:
                starts.append(i + 1)
            elif c == 13:
                if i + 1 < n and data[i + 1] == 10:
                    i += 1
                starts.append(i + 1)
            i += 1
        self.starts = starts

    def at(self, line, col):
        return self.starts[line - 1] + col

    def start(self, node):
        return self.at(node.lineno, node.col_offset)

    def end(self, node):
        return self.at(node.end_lineno, node.end_col_offset)

    def span(self, node):
        return [self.start(node), self.end(node)]

    def text(self, a, b):
        return self.data[a:b].decode("utf-8")

    def line_end(self, line):
        return self.starts[line] if line < len(self.starts) else len(self.data)


def has_surrogate(s):
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in s)


def literal(src, node):
    """The literal value of node as a tree of leaves with byte spans, or None when it is not one."""
    span = src.span(node)
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool):
            return {"t": "bool", "v": v, "s": span}
        if isinstance(v, int):
            return {"t": "int", "v": str(v), "s": span}
        if isinstance(v, float):
            return {"t": "float", "v": v, "s": span} if math.isfinite(v) else None
        if isinstance(v, str):
            return None if has_surrogate(v) else {"t": "str", "v": v, "s": span}
        if isinstance(v, bytes):
            return {"t": "bytes", "v": v.hex(), "s": span}
        if v is None:
            return {"t": "none", "s": span}
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
        v = node.operand.value
        sign = -1 if isinstance(node.op, ast.USub) else 1
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if isinstance(v, int):
            return {"t": "int", "v": str(sign * v), "s": span}
        return {"t": "float", "v": sign * v, "s": span} if math.isfinite(v) else None
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [literal(src, e) for e in node.elts]
        if any(i is None for i in items):
            return None
        kind = "list" if isinstance(node, ast.List) else "tuple" if isinstance(node, ast.Tuple) else "set"
        return {"t": kind, "items": items, "s": span}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return None
        keys = [literal(src, k) for k in node.keys]
        values = [literal(src, v) for v in node.values]
        if any(i is None for i in keys + values):
            return None
        return {"t": "dict", "keys": keys, "items": values, "s": span}
    return None


def call_name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def approx_arg(src, node):
    """pytest.approx(LITERAL, ...) or approx(LITERAL): the literal inside."""
    if isinstance(node, ast.Call) and call_name(node.func) == "approx" and node.args:
        return literal(src, node.args[0])
    return None


def is_skipping(decorators):
    for d in decorators:
        for sub in ast.walk(d):
            name = sub.attr if isinstance(sub, ast.Attribute) else sub.id if isinstance(sub, ast.Name) else None
            if name in SKIP_NAMES:
                return True
    return False


TRUTH_OPERANDS = (ast.Call, ast.Name, ast.Attribute, ast.Subscript)


class Scanner:
    def __init__(self, path, src, tree):
        self.path = path
        self.src = src
        self.tree = tree
        self.sites = []
        self.unsupported = {}
        self.names = sorted({n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))})
        self.helpers = {}
        self.module_skipped = False
        assigned = {}
        for stmt in tree.body:
            for t in stmt.targets if isinstance(stmt, ast.Assign) else []:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        assigned[n.id] = assigned.get(n.id, 0) + 1
        # Module-level names bound once, to a list or tuple written out.
        self.constants = {
            stmt.targets[0].id: stmt.value
            for stmt in tree.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and assigned.get(stmt.targets[0].id) == 1 and isinstance(stmt.value, (ast.List, ast.Tuple))
        }
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets):
                self.module_skipped = self.module_skipped or is_skipping([stmt.value])
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and not stmt.name.startswith("test"):
                self.find_helper(stmt)

    def note(self, reason):
        self.unsupported[reason] = self.unsupported.get(reason, 0) + 1

    def find_helper(self, fn):
        """A helper that asserts its argument is what something computes: check(text, expected)."""
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        for node in ast.walk(fn):
            sides = []
            if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1 and isinstance(node.test.ops[0], ast.Eq):
                sides = [node.test.comparators[0], node.test.left]
            elif isinstance(node, ast.Call) and call_name(node.func) in EQUAL_METHODS and len(node.args) >= 2:
                sides = [node.args[1], node.args[0]]
            found = [n.id for n in sides if isinstance(n, ast.Name) and n.id in params]
            # The expected side: a parameter named like it, else the right-hand one.
            named = [n for n in found if EXPECTED_NAME.search(n)]
            if found:
                param = (named or found)[0]
                self.helpers[fn.name] = {"index": params.index(param), "param": param}
                return

    def function_info(self, fn, skipped):
        src = self.src
        first = min([d.lineno for d in fn.decorator_list] + [fn.lineno])
        start = src.at(first, 0)
        end = src.line_end(fn.end_lineno)
        def_at = src.start(fn)
        m = re.compile(rb"(?:async\s+)?def\s+").match(src.data, def_at)
        name_start = m.end() if m else def_at
        return {
            "name": fn.name,
            "start": start,
            "end": end,
            "nameStart": name_start,
            "nameEnd": name_start + len(fn.name.encode("utf-8")),
            "indent": fn.col_offset,
            "skipped": skipped or self.module_skipped,
        }

    def scan(self):
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name.startswith("test"):
                self.scan_test(stmt, "", False)
            elif isinstance(stmt, ast.ClassDef):
                class_skipped = is_skipping(stmt.decorator_list)
                for member in stmt.body:
                    if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and member.name.startswith("test"):
                        self.scan_test(member, stmt.name, class_skipped)

    def add(self, fn, cls, form, node, expected, actual, skipped=False, note=None, inline=None):
        site = {
            "form": form,
            "test": (cls + "::" if cls else "") + fn["name"],
            "fn": fn,
            "line": node.lineno,
            "source": self.src.text(*self.src.span(node)),
            "expected": expected,
            "actual": actual,
            "skipped": fn["skipped"] or skipped,
        }
        if note:
            site["note"] = note
        if inline:
            site["inline"] = inline
        self.sites.append(site)

    def scan_test(self, fn_node, cls, class_skipped):
        own_marks = [d for d in fn_node.decorator_list if not (isinstance(d, ast.Call) and call_name(d.func) == "parametrize")]
        fn = self.function_info(fn_node, class_skipped or is_skipping(own_marks))
        for d in fn_node.decorator_list:
            self.scan_parametrize(d, fn, cls, fn_node)
        for node in ast.walk(fn_node):
            if isinstance(node, ast.Assert):
                self.scan_assert(node, fn, cls)
            elif isinstance(node, ast.Call):
                self.scan_call(node, fn, cls)

    def text(self, node):
        return self.src.text(*self.src.span(node))

    def scan_assert(self, node, fn, cls):
        t = node.test
        src = self.src
        if isinstance(t, ast.Compare):
            if len(t.ops) != 1:
                return self.note("chained comparison")
            op, left, right = t.ops[0], t.left, t.comparators[0]
            if isinstance(op, ast.Eq):
                r, l = literal(src, right), literal(src, left)
                if r is not None and l is not None:
                    return self.note("compares two literals")
                if r is not None:
                    return self.add(fn, cls, "compare", node, r, self.text(left))
                if l is not None:
                    return self.add(fn, cls, "compare", node, l, self.text(right))
                a = approx_arg(src, right)
                if a is not None:
                    return self.add(fn, cls, "compare", node, a, self.text(left), note="approx")
                a = approx_arg(src, left)
                if a is not None:
                    return self.add(fn, cls, "compare", node, a, self.text(right), note="approx")
                return self.note("== without a literal on either side")
            if isinstance(op, ast.Is):
                r = literal(src, right)
                if r is not None and r["t"] in ("bool", "none"):
                    return self.add(fn, cls, "compare", node, r, self.text(left))
                return self.note("'is' without True, False or None")
            return self.note("comparison other than == (" + type(op).__name__ + ")")
        if isinstance(t, TRUTH_OPERANDS):
            at = src.start(t)
            return self.add(fn, cls, "truth", node, {"t": "bool", "v": True, "s": [at, at], "spell": {"true": "", "false": "not "}}, self.text(t))
        if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not) and isinstance(t.operand, TRUTH_OPERANDS):
            a, b = src.start(t), src.start(t.operand)
            if re.fullmatch(rb"not\s+", src.data[a:b]):
                return self.add(fn, cls, "truth", node, {"t": "bool", "v": False, "s": [a, b], "spell": {"true": "", "false": src.text(a, b)}}, self.text(t.operand))
            return self.note("'not' written with brackets")
        return self.note("assert of another expression (" + type(t).__name__ + ")")

    def scan_call(self, node, fn, cls):
        src = self.src
        name = call_name(node.func)
        if name in EQUAL_METHODS and isinstance(node.func, ast.Attribute) and len(node.args) >= 2:
            a, b = node.args[0], node.args[1]
            lb, la = literal(src, b), literal(src, a)
            if lb is not None and la is None:
                return self.add(fn, cls, "unittest", node, lb, self.text(a))
            if la is not None and lb is None:
                return self.add(fn, cls, "unittest", node, la, self.text(b))
            return self.note(name + " without exactly one literal")
        if name in TRUTH_METHODS and isinstance(node.func, ast.Attribute) and node.args:
            end = src.end(node.func)
            start = end - len(name)
            value = TRUTH_METHODS[name]
            return self.add(fn, cls, "unittest", node, {"t": "bool", "v": value, "s": [start, end], "spell": {"true": "assertTrue", "false": "assertFalse"}}, self.text(node.args[0]))
        if name == "assertIs" and isinstance(node.func, ast.Attribute) and len(node.args) >= 2:
            lb = literal(src, node.args[1])
            if lb is not None and lb["t"] in ("bool", "none"):
                return self.add(fn, cls, "unittest", node, lb, self.text(node.args[0]))
            return
        if isinstance(node.func, ast.Name) and node.func.id in self.helpers:
            helper = self.helpers[node.func.id]
            arg = None
            if helper["index"] < len(node.args):
                arg = node.args[helper["index"]]
            for kw in node.keywords:
                if kw.arg == helper["param"]:
                    arg = kw.value
            value = literal(src, arg) if arg is not None else None
            if value is None:
                return self.note("call of an asserting helper without a literal expected value")
            rest = [self.text(a) for i, a in enumerate(node.args) if a is not arg] + [kw.arg + "=" + self.text(kw.value) for kw in node.keywords if kw.value is not arg]
            return self.add(fn, cls, "helper", node, value, node.func.id + "(" + ", ".join(rest) + ")", note=helper["param"])

    def scan_parametrize(self, d, fn, cls, fn_node):
        if not (isinstance(d, ast.Call) and call_name(d.func) == "parametrize" and len(d.args) >= 2):
            return
        names_node, rows_node = d.args[0], d.args[1]
        if isinstance(names_node, ast.Constant) and isinstance(names_node.value, str):
            names = [n.strip() for n in names_node.value.split(",") if n.strip()]
        elif isinstance(names_node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in names_node.elts):
            names = [e.value for e in names_node.elts]
        else:
            return self.note("parametrize with computed argument names")
        inline = None
        if isinstance(rows_node, ast.Name) and rows_node.id in self.constants:
            # Rows kept in a module-level list: a copy of the test gets the list written in place of the name.
            inline = {"ref": self.src.span(rows_node), "def": self.src.span(self.constants[rows_node.id])}
            rows_node = self.constants[rows_node.id]
        if not isinstance(rows_node, (ast.List, ast.Tuple)) or not names:
            return self.note("parametrize with computed rows")
        chosen = len(names) - 1
        for i, n in enumerate(names):
            if EXPECTED_NAME.search(n):
                chosen = i
        for row in rows_node.elts:
            skipped = False
            if isinstance(row, ast.Call) and call_name(row.func) == "param":
                skipped = any(kw.arg == "marks" and is_skipping([kw.value]) for kw in row.keywords)
                cell = row.args[chosen] if len(row.args) == len(names) else None
            elif len(names) == 1:
                cell = row
            elif isinstance(row, (ast.Tuple, ast.List)) and len(row.elts) == len(names):
                cell = row.elts[chosen]
            else:
                self.note("parametrize row that is not a literal tuple")
                continue
            value = literal(self.src, cell) if cell is not None else None
            if value is None:
                self.note("parametrize value that is not a literal")
                continue
            self.add(fn, cls, "parametrize", row, value, names[chosen], skipped=skipped, note=names[chosen], inline=inline)


def scan_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return {"path": path, "error": "cannot be read: " + e.strerror}
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return {"path": path, "error": "not UTF-8"}
    try:
        tree = ast.parse(data, filename=path)
    except SyntaxError as e:
        return {"path": path, "error": "syntax error at line " + str(e.lineno) + ": " + str(e.msg)}
    scanner = Scanner(path, Source(data), tree)
    scanner.scan()
    return {"path": path, "sites": scanner.sites, "unsupported": scanner.unsupported, "names": scanner.names}


json.dump({"files": [scan_file(p) for p in sys.argv[1:]]}, sys.stdout)
`;
