"""A safe evaluator of the Python that people paste: module code, functions, classes, loops, conditions.

The code is parsed with :mod:`ast` and walked by a dispatch table from node types to small methods
(:attr:`Evaluator.statements`, :attr:`Evaluator.expressions`). Nothing is executed, imported or looked
up on a real Python object: values are plain data or the evaluator's own (:mod:`archcalc.code.values`),
functions come from a fixed table (:data:`BUILTINS`), and every name the code imports means what a
*names table* says (:mod:`archcalc.code.keras` for Keras) or nothing at all (an :class:`Unknown`).

Work is bounded by named limits, each with its own message: :data:`MAX_STEPS` evaluation steps,
:data:`MAX_CALL_DEPTH` nested calls, :data:`MAX_NESTING` levels of nesting in the text,
:data:`MAX_INT_BITS` bits in a number, :data:`MAX_SEQUENCE` items in a list or a string.

>>> from archcalc.code.evaluator import evaluate_expression
>>> evaluate_expression("(28, 28) + (3,)"), evaluate_expression("[2 ** i for i in range(4)]")
((28, 28, 3), [1, 2, 4, 8])
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import Location, SpecError
from .values import (
    MISSING,
    BoundMethod,
    Builtin,
    ClassValue,
    Function,
    Instance,
    NoOp,
    Scope,
    Super,
    Unknown,
    Value,
    deep_unknown,
)

#: Evaluation steps (one per statement or expression evaluated): a real model file takes a few
#: thousand; ``for i in range(10**12)`` stops here in well under a second.
MAX_STEPS = 100_000
#: Calls of the file's functions inside one another (recursion included).
MAX_CALL_DEPTH = 64
#: Levels of nesting of expressions and blocks in the text (``((((...))))``, ``-----1``).
MAX_NESTING = 100
#: Bits in a whole number (about 77 decimal digits): far above any size, count or shape.
MAX_INT_BITS = 256
#: Items of a list, tuple or range made into a list, and characters of a string.
MAX_SEQUENCE = 100_000
#: Characters of the code (a whole tutorial script is a few tens of thousands).
MAX_CODE_CHARS = 5_000_000


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def _location(path: str, lines: list[str], node: ast.AST) -> Location:
    """An ast position (UTF-8 byte offsets) as a Location with the line and a caret."""
    line = getattr(node, "lineno", 1) or 1
    text = lines[line - 1] if line <= len(lines) else ""
    raw = text.encode()
    col = len(raw[: getattr(node, "col_offset", 0) or 0].decode(errors="replace")) + 1
    end_line, end = getattr(node, "end_lineno", line), getattr(node, "end_col_offset", None)
    if end is not None and end_line == line:
        length = len(raw[:end].decode(errors="replace")) + 1 - col
    else:
        length = len(text) - col + 1
    return Location(path, line, col, text, max(1, length))


def parse(text: str, path: str = "<text>") -> ast.Module:
    """Parse code into an ast, every failure a located SpecError (limits included).

    >>> parse("x = (" * 3)
    Traceback (most recent call last):
    ...
    archcalc.errors.SpecError: <text>:1:15: the code does not parse: '(' was never closed
    """
    lines = text.splitlines() or [""]
    if len(text) > MAX_CODE_CHARS:
        raise SpecError(f"{path}: the code is {len(text):,} characters long, more than archcalc reads "
                        f"({MAX_CODE_CHARS:,})", hint="paste the model's code, not the whole data")
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" and the like are not errors here
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(text)
            except SyntaxError:
                # A notebook export: IPython's `%magic` and `!shell` lines are not Python. They are
                # blanked (line numbers stay) and the rest must parse.
                magic = re.compile(r"^[ \t]*[%!]")
                if not any(magic.match(line) for line in lines):
                    raise
                tree = ast.parse("\n".join("" if magic.match(line) else line for line in text.split("\n")))
    except (MemoryError, RecursionError):
        # Python's parser gives no position: point at the line with the most operators and brackets.
        line = max(range(len(lines)), key=lambda i: sum(lines[i].count(c) for c in "+-*/~([{"))
        raise SpecError(f"the code is nested too deeply to read (more than {MAX_NESTING} levels)",
                        location=Location(path, line + 1, 1, lines[line], 1),
                        hint="write plain numbers instead of long chains of operators or brackets") from None
    except SyntaxError as e:
        line = e.lineno or 1
        text_line = lines[line - 1] if line <= len(lines) else ""
        message = str(e.msg)
        if "Exceeds the limit" in message:
            message = "a number has more digits than archcalc reads"
            hint = f"numbers in a model have at most {len(str(2 ** MAX_INT_BITS))} digits"
        else:
            message = f"the code does not parse: {message}"
            hint = "fix the Python syntax on that line (a missing comma or bracket?)"
        raise SpecError(message, location=Location(path, line, max(1, e.offset or 1), text_line, 1),
                        hint=hint) from None
    except ValueError as e:  # source with NUL bytes
        raise SpecError(f"{path}: the code cannot be read: {e}", hint="save the file as plain UTF-8 text") from None
    _check_nesting(tree, path, lines)
    return tree


def _check_nesting(tree: ast.AST, path: str, lines: list[str]) -> None:
    """Refuse a tree deeper than MAX_NESTING before walking it (the walk recurses)."""
    stack: list[tuple[ast.AST, int, ast.AST]] = [(tree, 0, tree)]
    while stack:
        node, depth, located = stack.pop()
        if hasattr(node, "lineno"):
            located = node
        if depth > MAX_NESTING:
            raise SpecError(f"the code is nested more than {MAX_NESTING} levels deep",
                            location=_location(path, lines, located),
                            hint="write plain numbers instead of long chains of operators or brackets")
        stack.extend((child, depth + 1, located) for child in ast.iter_child_nodes(node))


class Evaluator:
    """Evaluates one module of code with a names table.

    Args:
        text: the code.
        path: the file name shown in messages.
        names: the names table (what imported and undefined names mean): an object with
            ``module(path)``, ``undefined(name)`` and ``builds(value)``.
        defines: values given from outside (``--define``): they win over the module's own
            assignments to the same names.
    """

    def __init__(self, text: str, path: str, names: Any, defines: dict[str, Any] | None = None) -> None:
        self.text, self.path = text, path
        self.lines = text.splitlines() or [""]
        self.names = names
        self.defines = dict(defines or {})
        self.steps = 0
        self.depth = 0
        self.here: ast.AST | None = None  # the node being read: where a RecursionError points
        self.globals = Scope(module=True)
        self.globals.names.update(self.defines)
        #: Unknown values that reached the model, with where they did (all reported at once).
        self.needs: list[tuple[Unknown, ast.AST, str]] = []
        self.statements: dict[type, Callable[[ast.AST, Scope], None]] = {
            ast.Expr: self._expr_stmt, ast.Assign: self._assign, ast.AugAssign: self._augassign,
            ast.AnnAssign: self._annassign, ast.If: self._if, ast.For: self._for, ast.While: self._while,
            ast.Break: self._break, ast.Continue: self._continue, ast.Return: self._return,
            ast.Pass: self._pass, ast.FunctionDef: self._def, ast.ClassDef: self._class,
            ast.Import: self._import, ast.ImportFrom: self._import_from, ast.With: self._with,
            ast.Try: self._try, ast.Assert: self._pass, ast.Delete: self._delete, ast.Raise: self._raise,
            ast.Global: self._global, ast.Nonlocal: self._nonlocal,
        }
        self.expressions: dict[type, Callable[[Any, Scope], Any]] = {
            ast.Constant: self._constant, ast.Name: self._name, ast.Attribute: self._attribute,
            ast.Subscript: self._subscript, ast.Call: self._call, ast.BinOp: self._binop,
            ast.UnaryOp: self._unaryop, ast.BoolOp: self._boolop, ast.Compare: self._compare,
            ast.IfExp: self._ifexp, ast.Tuple: self._tuple, ast.List: self._list, ast.Set: self._list,
            ast.Dict: self._dict, ast.ListComp: self._listcomp, ast.GeneratorExp: self._listcomp,
            ast.SetComp: self._listcomp, ast.DictComp: self._dictcomp, ast.JoinedStr: self._joinedstr,
            ast.FormattedValue: self._formatted, ast.Lambda: self._lambda, ast.NamedExpr: self._namedexpr,
            ast.Slice: self._slice,
        }

    # -- errors --------------------------------------------------------------------------------
    def location(self, node: ast.AST) -> Location:
        return _location(self.path, self.lines, node)

    def error(self, node: ast.AST, message: str, hint: str | None = None) -> SpecError:
        return SpecError(message, location=self.location(node), hint=hint)

    def segment(self, node: ast.AST, limit: int = 60) -> str:
        """The text of a node as written (shortened), for messages."""
        text = ast.get_source_segment(self.text, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def too_deep(self) -> SpecError:
        """The error for a RecursionError (Python's stack ran out before MAX_CALL_DEPTH or MAX_NESTING, as
        it can when archcalc itself runs on a small stack): at the node being read when it did."""
        location = self.location(self.here) if self.here else Location(self.path, 1, 1, self.lines[0], 1)
        return SpecError("the code is nested too deeply to read", location=location,
                         hint=f"calls nest at most {MAX_CALL_DEPTH} deep; write plain numbers instead of long "
                              "chains of operators or brackets")

    def need(self, value: Unknown, node: ast.AST, role: str) -> None:
        """Record that an unknown value reached the model (reported with the others at the end)."""
        self.needs.append((value, node, role))

    def step(self, node: ast.AST) -> None:
        self.charge(node, 1)

    def charge(self, node: ast.AST, steps: int) -> None:
        """Count work against MAX_STEPS (a names table charges more for what costs more)."""
        self.here = node
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise self.error(node, f"the code takes more than {MAX_STEPS:,} steps to read (a loop that "
                                   "runs too long?)",
                             hint="archcalc reads model code, which takes a few thousand steps; "
                                  "check the loop's bounds")

    # -- running ---------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> Scope:
        try:
            self.block(tree.body, self.globals)
        except (_Break, _Continue):  # a `break` outside a loop does not parse; kept for safety
            pass
        except _Return:
            pass
        except RecursionError:
            raise self.too_deep() from None
        return self.globals

    def block(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.statement(stmt, scope)

    def statement(self, stmt: ast.stmt, scope: Scope) -> None:
        self.step(stmt)
        handler = self.statements.get(type(stmt))
        if handler is None:
            raise self.error(stmt, f"archcalc does not read `{type(stmt).__name__}` statements "
                                   f"(`{self.segment(stmt, 40)}`)",
                             hint="write the model with plain assignments, loops, ifs and functions")
        handler(stmt, scope)

    def expr(self, node: ast.AST, scope: Scope) -> Any:
        self.step(node)
        handler = self.expressions.get(type(node))
        if handler is None:
            raise self.error(node, f"archcalc does not read `{type(node).__name__}` expressions "
                                   f"(`{self.segment(node, 40)}`)",
                             hint="write plain numbers, strings, tuples and layer calls")
        return handler(node, scope)

    # -- statements ------------------------------------------------------------------------------
    def _expr_stmt(self, stmt: ast.Expr, scope: Scope) -> None:
        self.expr(stmt.value, scope)

    def _pass(self, stmt: ast.stmt, scope: Scope) -> None:
        return None

    def _assign(self, stmt: ast.Assign, scope: Scope) -> None:
        value = self.expr(stmt.value, scope)
        for target in stmt.targets:
            self.bind(target, value, scope, stmt.value)

    def _annassign(self, stmt: ast.AnnAssign, scope: Scope) -> None:
        if stmt.value is not None:
            self.bind(stmt.target, self.expr(stmt.value, scope), scope, stmt.value)

    def _augassign(self, stmt: ast.AugAssign, scope: Scope) -> None:
        if isinstance(stmt.target, ast.Name):
            current = self._name(ast.Name(stmt.target.id, ast.Load(), **_pos(stmt.target)), scope)
        else:
            current = self.expr(_as_load(stmt.target), scope)
        value = self.binary(stmt.op, current, self.expr(stmt.value, scope), stmt)
        self.bind(stmt.target, value, scope, stmt)

    def bind(self, target: ast.AST, value: Any, scope: Scope, source: ast.AST, rename: bool = True) -> None:
        """Assign to a name, a tuple of targets, an attribute or an item. ``rename``: an unknown value
        assigned at the top level is known by the name it is assigned to (not for loop variables)."""
        if isinstance(target, ast.Name):
            if target.id in scope.global_names:
                scope = self.globals
            if scope.module and target.id in self.defines:
                return  # --define wins over the file's own value
            if isinstance(value, Unknown) and scope.module and rename:
                # At the top level the user can give the value by this name (--define wins over the
                # file's assignment): say where it was set and from what.
                roots = [c.name for c in value.causes if c.name != target.id]
                depends = f", which depends on {_causes(Unknown(tuple(c for c in value.causes if c.name in roots)))}" \
                    if roots and not any(r in self.segment(source) for r in roots[:1]) else ""
                value = Unknown.of(target.id, self.location(target),
                                   f"set from `{self.segment(source)}`{depends}")
            scope.names[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, Unknown):
                for element in target.elts:
                    self.bind(element.value if isinstance(element, ast.Starred) else element, value, scope,
                              source, rename)
                return
            items = self.iterate(value, source)
            starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
            if starred:
                i = starred[0]
                after = len(target.elts) - i - 1
                if len(items) < len(target.elts) - 1:
                    raise self.error(target, f"cannot unpack {len(items)} values into {len(target.elts)} names")
                parts = [*items[:i], list(items[i:len(items) - after]), *items[len(items) - after:]]
                for element, item in zip(target.elts, parts):
                    self.bind(element.value if isinstance(element, ast.Starred) else element, item, scope,
                              source, rename)
                return
            if len(items) != len(target.elts):
                raise self.error(target, f"cannot unpack {len(items)} values into {len(target.elts)} names")
            for element, item in zip(target.elts, items):
                self.bind(element, item, scope, source, rename)
        elif isinstance(target, ast.Attribute):
            obj = self.expr(target.value, scope)
            if isinstance(obj, Value):
                obj.set_attribute(self, target.attr, value, target)
            else:
                raise self.error(target, f"cannot set `{target.attr}` on {_kind(obj)}")
        elif isinstance(target, ast.Subscript):
            obj = self.expr(target.value, scope)
            key = self.expr(target.slice, scope)
            if isinstance(obj, Unknown):
                return
            setter = getattr(obj, "set_item", None) if isinstance(obj, Value) else None
            if setter is not None:
                setter(self, key, value, target)
                return
            if isinstance(obj, list) and isinstance(key, int) and not isinstance(key, bool):
                if not -len(obj) <= key < len(obj):
                    raise self.error(target, f"index {key} is out of range for a list of {len(obj)}")
                obj[key] = value
            elif isinstance(obj, dict) and _hashable(key):
                obj[key] = value
            else:
                raise self.error(target, f"cannot assign an item of {_kind(obj)}")
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, scope, source)
        else:
            raise self.error(target, f"cannot assign to `{self.segment(target)}`")

    def _global(self, stmt: ast.Global, scope: Scope) -> None:
        scope.global_names.update(stmt.names)

    def _nonlocal(self, stmt: ast.Nonlocal, scope: Scope) -> None:
        raise self.error(stmt, "archcalc does not read `nonlocal`", hint="return the value from the function instead")

    def _delete(self, stmt: ast.Delete, scope: Scope) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                scope.names.pop(target.id, None)

    def _if(self, stmt: ast.If, scope: Scope) -> None:
        condition = self.expr(stmt.test, scope)
        if isinstance(condition, Unknown):
            self.undecided(condition, stmt.test, [*stmt.body, *stmt.orelse], scope, "the `if`")
            return
        self.block(stmt.body if self.truth(condition, stmt.test) else stmt.orelse, scope)

    def undecided(self, value: Unknown, node: ast.AST, body: list[ast.stmt], scope: Scope, what: str) -> None:
        """A condition or a loop whose value is unknown: if its body builds part of a model, that is
        refused (reported with the other unknown values); else the names it sets become unknown."""
        if self.builds(body, scope):
            self.need(value, node, f"decides {what} around layer calls")  # the phrase follows the name
        for name in _assigned(body):
            if not (scope.module and name in self.defines):
                scope.names[name] = Unknown.of(name, self.location(node),
                                               f"set under {what} on `{self.segment(node)}`")

    def builds(self, body: list[ast.AST], scope: Scope) -> bool:
        """Whether statements could build part of a model: they call something of the names table,
        a function or class of the file, a layer object, or ``.add``/``.build`` on anything."""
        for stmt in body:
            for node in ast.walk(stmt):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if isinstance(func, ast.Call):
                    return True
                if isinstance(func, ast.Attribute) and func.attr in ("add", "build", "append", "extend"):
                    return True
                root, attrs = func, []
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    attrs.insert(0, root.attr if isinstance(root, ast.Attribute) else "[]")
                    root = root.value
                if isinstance(root, ast.Name):
                    value = scope.lookup(root.id)
                    if value is MISSING:
                        value = self.names.undefined(root.id)
                    if value is MISSING or isinstance(value, Unknown):
                        continue
                    verdict = self.names.calls_build(value, attrs)
                    if verdict is not None:
                        if verdict:
                            return True
                        continue
                    if isinstance(value, (Function, ClassValue, Instance, BoundMethod)) \
                            or self.names.builds_call(value, attrs):
                        return True
        return False

    def _for(self, stmt: ast.For, scope: Scope) -> None:
        iterable = self.expr(stmt.iter, scope)
        if isinstance(iterable, Unknown):
            self.undecided(iterable, stmt.iter, [*stmt.body, *stmt.orelse], scope, "the `for` loop")
            for name in _assigned([ast.Assign([stmt.target], ast.Constant(0))]):
                scope.names[name] = Unknown.of(name, self.location(stmt.target),
                                               f"the loop variable over `{self.segment(stmt.iter)}`")
            return
        for item in self.iterator(iterable, stmt.iter):
            self.bind(stmt.target, item, scope, stmt.iter, rename=False)
            try:
                self.block(stmt.body, scope)
            except _Break:
                break
            except _Continue:
                continue
        else:
            self.block(stmt.orelse, scope)

    def _while(self, stmt: ast.While, scope: Scope) -> None:
        while True:
            condition = self.expr(stmt.test, scope)
            if isinstance(condition, Unknown):
                if self.builds(stmt.body, scope):
                    raise self.error(stmt.test, f"the `while` condition `{self.segment(stmt.test)}` depends on "
                                                f"{_causes(condition)}, and its loop builds layers",
                                     hint="write the loop as `for ... in range(n):`, or give the value with "
                                          "--define NAME=VALUE")
                self.undecided(condition, stmt.test, stmt.body, scope, "the `while` loop")
                return
            if not self.truth(condition, stmt.test):
                self.block(stmt.orelse, scope)
                return
            try:
                self.block(stmt.body, scope)
            except _Break:
                return
            except _Continue:
                continue

    def _break(self, stmt: ast.Break, scope: Scope) -> None:
        raise _Break()

    def _continue(self, stmt: ast.Continue, scope: Scope) -> None:
        raise _Continue()

    def _return(self, stmt: ast.Return, scope: Scope) -> None:
        raise _Return(None if stmt.value is None else self.expr(stmt.value, scope))

    def _raise(self, stmt: ast.Raise, scope: Scope) -> None:
        raise self.error(stmt, f"the code raises an error here: `{self.segment(stmt)}`",
                         hint="archcalc followed the code to this `raise`; check the values it depends on")

    def _def(self, stmt: ast.FunctionDef, scope: Scope) -> None:
        if stmt.decorator_list:
            # A decorator could replace the function by anything: the name is unknown.
            decorator = self.segment(stmt.decorator_list[0])
            scope.names[stmt.name] = Unknown.of(stmt.name, self.location(stmt),
                                                f"a function with the decorator `{decorator}`")
            return
        scope.names[stmt.name] = self.function(stmt, stmt.name, scope)

    def function(self, node: ast.FunctionDef | ast.Lambda, name: str, scope: Scope) -> Function:
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        defaults: dict[str, Any] = {}
        for arg, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
            defaults[arg.arg] = self.expr(default, scope)
        for arg, kw_default in zip(a.kwonlyargs, a.kw_defaults):
            if kw_default is not None:
                defaults[arg.arg] = self.expr(kw_default, scope)
        return Function(name, node, defaults, scope)

    def _lambda(self, node: ast.Lambda, scope: Scope) -> Function:
        return self.function(node, "<lambda>", scope)

    def call_function(self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        """Bind arguments as Python does and run the body in a new scope."""
        a = function.node.args
        positional = [x.arg for x in (*a.posonlyargs, *a.args)]
        local = Scope(function.scope)
        sig = _signature(function)
        if len(args) > len(positional) and a.vararg is None:
            raise self.error(node, f"`{function.name}` takes {len(positional)} positional "
                                   f"argument{'s' * (len(positional) != 1)}, got {len(args)}",
                             hint=f"it is defined as `{sig}`")
        local.names.update(zip(positional, args))
        if a.vararg is not None:
            local.names[a.vararg.arg] = tuple(args[len(positional):])
        extra: dict[str, Any] = {}
        keyword_names = {*positional[len(a.posonlyargs):], *(x.arg for x in a.kwonlyargs)}
        for key, value in kwargs.items():
            if key in local.names and key in positional[: len(args)]:
                raise self.error(node, f"`{function.name}` got `{key}` twice", hint=f"it is defined as `{sig}`")
            if key in keyword_names:
                local.names[key] = value
            elif a.kwarg is not None:
                extra[key] = value
            else:
                import difflib

                close = difflib.get_close_matches(key, sorted(keyword_names), n=1)
                raise self.error(node, f"`{function.name}` has no parameter `{key}`",
                                 hint=f"did you mean `{close[0]}`?" if close else f"it is defined as `{sig}`")
        if a.kwarg is not None:
            local.names[a.kwarg.arg] = extra
        for name in [*positional, *(x.arg for x in a.kwonlyargs)]:
            if name not in local.names:
                if name in function.defaults:
                    local.names[name] = function.defaults[name]
                else:
                    raise self.error(node, f"`{function.name}` needs the argument `{name}`",
                                     hint=f"it is defined as `{sig}`")
        if self.depth >= MAX_CALL_DEPTH:
            raise self.error(node, f"calls nest more than {MAX_CALL_DEPTH} deep (recursion without end?)",
                             hint="archcalc follows recursion up to that depth; write the layers with a loop")
        self.depth += 1
        try:
            if isinstance(function.node, ast.Lambda):
                return self.expr(function.node.body, local)
            local.names["__class__"] = function.owner  # for super() without arguments
            try:
                self.block(function.node.body, local)
            except _Return as r:
                return r.value
            return None
        except RecursionError:
            # Python's stack ran out before MAX_CALL_DEPTH: a call of a class or function takes a score of
            # Python's frames (more in a comprehension), and a names table may call from outside `run`.
            raise self.error(node, f"calls nest {self.depth} deep, deeper than Python's stack holds here "
                                   "(recursion without end?)",
                             hint="archcalc follows recursion up to that depth; write the layers with a loop") from None
        finally:
            self.depth -= 1

    def _class(self, stmt: ast.ClassDef, scope: Scope) -> None:
        bases = tuple(self.expr(b, scope) for b in stmt.bases)
        framework_base = None
        for base in bases:
            if isinstance(base, Unknown):
                scope.names[stmt.name] = Unknown.of(stmt.name, self.location(stmt),
                                                    f"a class based on `{_causes(base)}`")
                return
            if not isinstance(base, ClassValue):
                framework_base = self.names.base_class(base)
                if framework_base is None:
                    raise self.error(stmt, f"the class `{stmt.name}` is based on {_kind(base)}, which archcalc "
                                           "cannot read",
                                     hint="base it on keras.Model or keras.layers.Layer")
        decorators = [self.segment(d, 200) for d in stmt.decorator_list]
        own = self.names.own_class(stmt.name, decorators)
        if own is not None:  # a layer archcalc's `export` writes, defined in the file it wrote
            scope.names[stmt.name] = own
            return
        if stmt.keywords or any("register_keras_serializable" not in d for d in decorators):
            raise self.error(stmt, f"archcalc does not read class decorators or metaclasses (`{stmt.name}`)",
                             hint="write the class without them")
        body = Scope(scope)
        cls = ClassValue(stmt.name, bases, body.names, framework_base)
        for item in stmt.body:
            if isinstance(item, ast.FunctionDef):
                if item.decorator_list:
                    decorators = [self.segment(d) for d in item.decorator_list]
                    if all(d in ("staticmethod", "property", "tf.function") for d in decorators):
                        pass
                    body.names[item.name] = Unknown.of(f"{stmt.name}.{item.name}", self.location(item),
                                                       f"a method with the decorator `{decorators[0]}`")
                    continue
                method = self.function(item, item.name, scope)  # methods do not see the class body's names
                method.owner = cls
                body.names[item.name] = method
            else:
                self.statement(item, body)
        scope.names[stmt.name] = cls

    def instantiate(self, cls: ClassValue, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        instance = Instance(cls)
        framework = cls.framework()
        if framework is not None:
            instance.framework = framework.new_instance(self, instance, node)
        init = cls.lookup("__init__")
        if isinstance(init, Function):
            self.call_function(init, [instance, *args], kwargs, node)
        elif framework is not None:
            framework.init(self, instance, args, kwargs, node)
        return instance

    def _import(self, stmt: ast.Import, scope: Scope) -> None:
        for alias in stmt.names:
            if alias.asname:
                scope.names[alias.asname] = self.names.module(alias.name)
            else:
                top = alias.name.split(".")[0]
                scope.names[top] = self.names.module(top)

    def _import_from(self, stmt: ast.ImportFrom, scope: Scope) -> None:
        base = ("." * stmt.level) + (stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                module = self.names.module(base)
                for name, value in self.names.star(base):
                    scope.names[name] = value
                del module
                continue
            scope.names[alias.asname or alias.name] = self.names.module(f"{base}.{alias.name}")

    def _with(self, stmt: ast.With, scope: Scope) -> None:
        for item in stmt.items:
            value = self.expr(item.context_expr, scope)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, Unknown.of(self.segment(item.optional_vars),
                                                         self.location(item.optional_vars),
                                                         f"the value of `with {self.segment(item.context_expr)}`"),
                          scope, item.context_expr)
            del value
        self.block(stmt.body, scope)

    def _try(self, stmt: ast.Try, scope: Scope) -> None:
        # The body is what the code means; handlers would run only if it failed, which the
        # evaluator reports instead.
        try:
            self.block(stmt.body, scope)
            self.block(stmt.orelse, scope)
        finally:
            self.block(stmt.finalbody, scope)

    # -- expressions -----------------------------------------------------------------------------
    def _constant(self, node: ast.Constant, scope: Scope) -> Any:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool):
            return self.check_int(value, node)
        if isinstance(value, (str, bytes)) and len(value) > MAX_SEQUENCE:
            raise self.error(node, f"a string of {len(value):,} characters, more than archcalc reads "
                                   f"({MAX_SEQUENCE:,})")
        if isinstance(value, bytes):
            return Unknown.of(self.segment(node), self.location(node), "a bytes literal")
        if value is Ellipsis:
            return Unknown.of("...", self.location(node), "`...`")
        if isinstance(value, complex):
            raise self.error(node, "archcalc does not read complex numbers")
        return value

    def check_int(self, value: int, node: ast.AST) -> int:
        if value.bit_length() > MAX_INT_BITS:
            raise self.error(node, f"a number with more than {MAX_INT_BITS} bits (about "
                                   f"{len(str(2 ** MAX_INT_BITS))} digits), more than archcalc reads",
                             hint="sizes, counts and shapes of a model are far smaller")
        return value

    def _name(self, node: ast.Name, scope: Scope) -> Any:
        value = scope.lookup(node.id)
        if value is not MISSING:
            return value
        if node.id in BUILTINS:
            return BUILTINS[node.id]
        value = self.names.undefined(node.id)
        if value is not MISSING:
            return value
        return Unknown.of(node.id, self.location(node), "never defined")

    def _namedexpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.expr(node.value, scope)
        self.bind(node.target, value, scope, node.value)
        return value

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        obj = self.expr(node.value, scope)
        return self.attribute(obj, node.attr, node)

    def attribute(self, obj: Any, name: str, node: ast.AST) -> Any:
        if isinstance(obj, Value):
            return obj.attribute(self, name, node)
        method = METHODS.get((_type_key(obj), name))
        if method is None:
            raise self.error(node, f"archcalc does not know the attribute `{name}` of {_kind(obj)}",
                             hint="archcalc reads plain data and layers; write the value instead")
        return Builtin(name, lambda ev, n, *a, **k: method(ev, n, obj, *a, **k))

    def _subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        obj = self.expr(node.value, scope)
        key = self.expr(node.slice, scope)
        return self.item(obj, key, node)

    def item(self, obj: Any, key: Any, node: ast.AST) -> Any:
        # A value of the model indexed by an unknown key (or by `...`, unknown to the evaluator) says so itself.
        if isinstance(obj, Unknown) or (isinstance(key, Unknown) and not getattr(obj, "reads_unknown_keys", False)):
            return Unknown.merge([obj, key])
        if isinstance(obj, Value):
            getter = getattr(obj, "item", None)
            if getter is not None:
                return getter(self, key, node)
            raise self.error(node, f"{obj.what} cannot be indexed")
        if isinstance(obj, (tuple, list, str)):
            if isinstance(key, slice) or (isinstance(key, int) and not isinstance(key, bool)):
                if isinstance(key, int) and not -len(obj) <= key < len(obj):
                    raise self.error(node, f"index {key} is out of range for {_kind(obj)} of {len(obj)}")
                return obj[key]
            raise self.error(node, f"{_kind(obj)} is indexed by a whole number, got {_kind(key)}")
        if isinstance(obj, dict):
            if not _hashable(key) or key not in obj:
                raise self.error(node, f"the dict has no key `{_show(key)}`")
            return obj[key]
        raise self.error(node, f"{_kind(obj)} cannot be indexed")

    def _slice(self, node: ast.Slice, scope: Scope) -> Any:
        parts = [None if p is None else self.expr(p, scope) for p in (node.lower, node.upper, node.step)]
        if any(isinstance(p, Unknown) for p in parts):
            return Unknown.merge(parts)
        for p in parts:
            if p is not None and not (isinstance(p, int) and not isinstance(p, bool)):
                raise self.error(node, f"a slice takes whole numbers, got {_kind(p)}")
        if parts[2] == 0:
            raise self.error(node, "a slice step cannot be zero")
        return slice(*parts)

    def arguments(self, node: ast.Call, scope: Scope) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                value = self.expr(a.value, scope)
                if isinstance(value, Unknown):
                    args.append(value)
                else:
                    args.extend(self.iterate(value, a))
            else:
                args.append(self.expr(a, scope))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            value = self.expr(kw.value, scope)
            if kw.arg is None:
                if isinstance(value, Unknown):
                    raise self.error(kw.value, f"cannot read `**{self.segment(kw.value)}`: it depends on "
                                               f"{_causes(value)}",
                                     hint="write the arguments out, or give the value with --define")
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    raise self.error(kw.value, f"`**` takes a dict of names, got {_kind(value)}")
                kwargs.update(value)
            else:
                kwargs[kw.arg] = value
        return args, kwargs

    def _call(self, node: ast.Call, scope: Scope) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
            cls, instance = scope.lookup("__class__"), _first_argument(scope)
            if isinstance(cls, ClassValue) and instance is not MISSING:
                return Super(cls, instance)
            raise self.error(node, "`super()` outside a method of a class")
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.attr == "add" and self._undefined(node.func.value.id, scope):
            # `model.add(...)` lines pasted without `model = Sequential()`: the model they build.
            implicit = self.names.implicit_model(self, node.func.value)
            if implicit is not None:
                self.globals.names[node.func.value.id] = implicit
        func = self.expr(node.func, scope)
        args, kwargs = self.arguments(node, scope)
        if isinstance(func, Value):
            result = func.call(self, args, kwargs, node)
            if isinstance(result, Unknown) and hasattr(result, "unknown") and any(result is a for a in args):
                return result.unknown()  # an unknown that knew its shape, returned by a call: the shape may not hold
            return result
        raise self.error(node.func, f"{_kind(func)} cannot be called (`{self.segment(node.func)}`)")

    def _undefined(self, name: str, scope: Scope) -> bool:
        return scope.lookup(name) is MISSING and name not in BUILTINS and self.names.undefined(name) is MISSING

    def refuse_tensors(self, values: list[Any], node: ast.Call) -> None:
        """A call archcalc does not know that is given a tensor of the model: refused, since it
        could change the model in a way archcalc would not count."""
        for value in _flatten(values):
            if self.names.is_tensor(value):
                raise self.error(node, f"archcalc does not know what `{self.segment(node.func)}` does to "
                                       f"{value.what}",
                                 hint="write it as a Keras layer (e.g. `layers.Activation('relu')(x)`); "
                                      "archcalc reads layers")

    def _binop(self, node: ast.BinOp, scope: Scope) -> Any:
        return self.binary(node.op, self.expr(node.left, scope), self.expr(node.right, scope), node)

    def binary(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            for value in (a, b):  # an unknown value that knows its shape (a names table's constant tensor)
                if isinstance(value, Unknown) and hasattr(value, "binary"):
                    return value.binary(self, op, a, b, node)
            return Unknown.merge([a, b])
        if isinstance(a, Value) or isinstance(b, Value):
            handler = getattr(a if isinstance(a, Value) else b, "binary", None)
            if handler is not None:
                return handler(self, op, a, b, node)
            raise self.error(node, f"archcalc cannot apply `{_OP_SYMBOLS.get(type(op), '?')}` to "
                                   f"{_kind(a)} and {_kind(b)}")
        function = _BINARY.get(type(op))
        if function is None:
            raise self.error(node, f"archcalc does not read the operator `{_OP_SYMBOLS.get(type(op), '?')}`")
        _check_cost(self, op, a, b, node)
        try:
            result = function(a, b)
        except ZeroDivisionError:
            raise self.error(node, "division by zero") from None
        except (TypeError, ValueError, OverflowError) as e:
            raise self.error(node, f"cannot compute `{_show(a)} {_OP_SYMBOLS.get(type(op), '?')} {_show(b)}`: "
                                   f"{_plain_error(e)}") from None
        return self.check_value(result, node)

    def check_value(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.check_int(value, node)
        if isinstance(value, (str, list, tuple)) and len(value) > MAX_SEQUENCE:
            raise self.error(node, f"a value of {len(value):,} items, more than archcalc reads ({MAX_SEQUENCE:,})")
        return value

    def _unaryop(self, node: ast.UnaryOp, scope: Scope) -> Any:
        value = self.expr(node.operand, scope)
        if isinstance(value, Unknown):
            return value
        if isinstance(node.op, ast.Not):
            return not self.truth(value, node.operand)
        if isinstance(value, (int, float)) and not (isinstance(value, bool) and isinstance(node.op, ast.Invert)):
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            if isinstance(node.op, ast.Invert) and isinstance(value, int):
                return ~value
        raise self.error(node, f"archcalc cannot apply `{_OP_SYMBOLS.get(type(node.op), '?')}` to {_kind(value)}")

    def _boolop(self, node: ast.BoolOp, scope: Scope) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.expr(operand, scope)
            if isinstance(value, Unknown):
                return value
            truth = self.truth(value, operand)
            if isinstance(node.op, ast.And) and not truth:
                return value
            if isinstance(node.op, ast.Or) and truth:
                return value
        return value

    def _compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.expr(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node, scope)
            unknown = deep_unknown([left, right] if not isinstance(right, SetValue) else [left])
            if unknown is not None:
                return unknown
            if isinstance(op, (ast.Is, ast.IsNot)):
                same = left is right if (left is None or right is None or isinstance(left, bool)) \
                    else left == right and type(left) is type(right)
                result = same if isinstance(op, ast.Is) else not same
            elif isinstance(op, (ast.In, ast.NotIn)):
                if isinstance(right, SetValue):
                    right = right.members
                if isinstance(right, Value) or not isinstance(right, (tuple, list, str, dict, set, frozenset)):
                    raise self.error(right_node, f"archcalc cannot look inside {_kind(right)}")
                if isinstance(right, str) and not isinstance(left, str):
                    raise self.error(node, f"`in` a string needs a string, got {_kind(left)}")
                result = (left in right) == isinstance(op, ast.In)
            else:
                if isinstance(left, Value) or isinstance(right, Value):
                    if isinstance(op, (ast.Eq, ast.NotEq)):
                        result = (left is right) == isinstance(op, ast.Eq)
                    else:
                        raise self.error(node, f"archcalc cannot compare {_kind(left)} and {_kind(right)}")
                else:
                    try:
                        result = _COMPARE[type(op)](left, right)
                    except TypeError:
                        raise self.error(node, f"cannot compare {_kind(left)} and {_kind(right)}") from None
            if not result:
                return False
            left = right
        return True

    def _ifexp(self, node: ast.IfExp, scope: Scope) -> Any:
        condition = self.expr(node.test, scope)
        if isinstance(condition, Unknown):
            return Unknown.merge([condition])
        return self.expr(node.body if self.truth(condition, node.test) else node.orelse, scope)

    def _elements(self, elts: list[ast.expr], scope: Scope) -> list[Any]:
        items: list[Any] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                value = self.expr(e.value, scope)
                items.extend([value] if isinstance(value, Unknown) else self.iterate(value, e))
            else:
                items.append(self.expr(e, scope))
        if len(items) > MAX_SEQUENCE:
            raise self.error(elts[0], f"more than {MAX_SEQUENCE:,} items")
        return items

    def _tuple(self, node: ast.Tuple, scope: Scope) -> tuple[Any, ...]:
        return tuple(self._elements(node.elts, scope))

    def _list(self, node: ast.List | ast.Set, scope: Scope) -> list[Any]:
        return self._elements(node.elts, scope)

    def _dict(self, node: ast.Dict, scope: Scope) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                value = self.expr(v, scope)
                if not isinstance(value, dict):
                    raise self.error(v, f"`**` takes a dict, got {_kind(value)}")
                result.update(value)
                continue
            key = self.expr(k, scope)
            if not _hashable(key):
                raise self.error(k, f"{_kind(key)} cannot be a dict key")
            result[key] = self.expr(v, scope)
        return result

    def comprehension(self, generators: list[ast.comprehension], scope: Scope,
                      produce: Callable[[Scope], None], node: ast.AST) -> None:
        local = Scope(scope)

        def level(i: int) -> None:
            if i == len(generators):
                produce(local)
                return
            gen = generators[i]
            iterable = self.expr(gen.iter, local)
            if isinstance(iterable, Unknown):
                raise _UnknownComprehension(iterable)
            for item in self.iterator(iterable, gen.iter):
                self.bind(gen.target, item, local, gen.iter, rename=False)
                conditions = [self.expr(c, local) for c in gen.ifs]
                unknown = [c for c in conditions if isinstance(c, Unknown)]
                if unknown:
                    raise _UnknownComprehension(Unknown.merge(unknown))
                if all(self.truth(c, node) for c in conditions):
                    level(i + 1)

        level(0)

    def _listcomp(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, scope: Scope) -> Any:
        items: list[Any] = []

        def produce(local: Scope) -> None:
            items.append(self.expr(node.elt, local))
            if len(items) > MAX_SEQUENCE:
                raise self.error(node, f"a comprehension of more than {MAX_SEQUENCE:,} items")

        try:
            self.comprehension(node.generators, scope, produce, node)
        except _UnknownComprehension as u:
            if self.builds([ast.Expr(node.elt)], scope):
                self.need(u.value, node, "decides a comprehension that builds layers")
            return u.value
        return items

    def _dictcomp(self, node: ast.DictComp, scope: Scope) -> Any:
        items: dict[Any, Any] = {}

        def produce(local: Scope) -> None:
            key = self.expr(node.key, local)
            if not _hashable(key):
                raise self.error(node.key, f"{_kind(key)} cannot be a dict key")
            items[key] = self.expr(node.value, local)

        try:
            self.comprehension(node.generators, scope, produce, node)
        except _UnknownComprehension as u:
            return u.value
        return items

    def _joinedstr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts = [self.expr(v, scope) for v in node.values]
        if any(isinstance(p, Unknown) for p in parts):
            return Unknown.merge(parts)
        text = "".join(str(p) for p in parts)
        return self.check_value(text, node)

    def _formatted(self, node: ast.FormattedValue, scope: Scope) -> Any:
        value = self.expr(node.value, scope)
        if isinstance(value, Unknown):
            return value
        spec = "" if node.format_spec is None else self.expr(node.format_spec, scope)
        if isinstance(spec, Unknown):
            return spec
        if isinstance(value, Value):
            return value.what
        if not isinstance(value, (int, float, str, bool, type(None))):
            value = _show(value)
        try:
            return format(value, spec) if spec else str(value)
        except ValueError as e:
            raise self.error(node, f"cannot format `{_show(value)}` with `{spec}`: {e}") from None

    # -- helpers ---------------------------------------------------------------------------------
    def truth(self, value: Any, node: ast.AST) -> bool:
        unknown = value if isinstance(value, Unknown) else None
        if unknown is not None:  # callers decide unknown conditions before; this is the safety net
            raise self.error(node, f"`{self.segment(node)}` depends on {_causes(unknown)}, which archcalc cannot know "
                                   "without running the code", hint="give the value with --define NAME=VALUE")
        if isinstance(value, Value):
            truth = getattr(value, "truth", None)
            if truth is None:
                return True
            return truth()
        return bool(value)

    def iterate(self, value: Any, node: ast.AST) -> list[Any]:
        return list(self.iterator(value, node))

    def iterator(self, value: Any, node: ast.AST) -> Iterator[Any]:
        if isinstance(value, range):
            for i, item in enumerate(value):
                if i >= MAX_SEQUENCE:
                    raise self.error(node, f"a loop of more than {MAX_SEQUENCE:,} rounds "
                                           f"(`range` of {len(value):,})",
                                     hint="model code loops over a few layers or blocks; check the loop's bounds")
                yield item
            return
        if isinstance(value, (tuple, list, str)):
            yield from list(value)
            return
        if isinstance(value, dict):
            yield from list(value)
            return
        if isinstance(value, Value):
            items = getattr(value, "items", None)
            if items is not None:
                yield from items(self, node)
                return
        raise self.error(node, f"archcalc cannot loop over {_kind(value)}")


class _UnknownComprehension(Exception):
    def __init__(self, value: Unknown) -> None:
        self.value = value


# -- tables ----------------------------------------------------------------------------------------

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_OP_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
               ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
               ast.BitXor: "^", ast.MatMult: "@", ast.USub: "-", ast.UAdd: "+", ast.Not: "not",
               ast.Invert: "~"}


def _check_cost(ev: Evaluator, op: ast.operator, a: Any, b: Any, node: ast.AST) -> None:
    """Refuse before computing what would be too big (powers, shifts, repetition)."""
    if isinstance(op, ast.Pow) and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 \
            and (b > MAX_INT_BITS or a.bit_length() * b > MAX_INT_BITS):
        raise ev.error(node, f"`{_show(a)} ** {_show(b)}` has more than {MAX_INT_BITS} bits, more than archcalc "
                             "reads", hint="sizes, counts and shapes of a model are far smaller")
    if isinstance(op, ast.Pow) and isinstance(b, (int, float)) and isinstance(a, (int, float)) \
            and (isinstance(a, float) or isinstance(b, float)) and abs(b) > 10_000:
        raise ev.error(node, f"`{_show(a)} ** {_show(b)}`: the exponent is larger than archcalc computes")
    if isinstance(op, ast.LShift) and isinstance(b, int) and b > MAX_INT_BITS:
        raise ev.error(node, f"`{_show(a)} << {_show(b)}` has more than {MAX_INT_BITS} bits")
    if isinstance(op, ast.Mult):
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_SEQUENCE:
                raise ev.error(node, f"repeating {_kind(seq)} {n:,} times gives more than {MAX_SEQUENCE:,} items")


def _type_key(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    for t in (int, float, str, tuple, list, dict, range, slice):
        if isinstance(value, t):
            return t.__name__
    return "none" if value is None else "?"


def _kind(value: Any) -> str:
    """How a message names a value's kind: ``a tuple``, ``the layer `Conv2D```."""
    if isinstance(value, Value):
        return value.what
    if value is None:
        return "None"
    return {"bool": "a bool", "int": "a number", "float": "a number", "str": "a string", "tuple": "a tuple",
            "list": "a list", "dict": "a dict", "range": "a range", "slice": "a slice"}.get(
        _type_key(value), "a value")


def _show(value: Any, limit: int = 40) -> str:
    if isinstance(value, Value):
        return value.what
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        return "a very large number"
    text = repr(value) if not isinstance(value, (list, tuple, dict)) else _show_container(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show_container(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in list(value.items())[:8]) + "}"
    inner = ", ".join(_show(v) for v in list(value)[:8])
    if isinstance(value, tuple):
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return f"[{inner}]"


def _plain_error(e: Exception) -> str:
    return str(e).split("\n")[0][:80]


def _hashable(value: Any) -> bool:
    if isinstance(value, (int, float, str, bool, type(None))):
        return True
    if isinstance(value, tuple):
        return all(_hashable(v) for v in value)
    return isinstance(value, Value)


def _flatten(values: Any) -> Iterator[Any]:
    stack = list(values)
    seen = 0
    while stack and seen < MAX_SEQUENCE:
        seen += 1
        v = stack.pop()
        if isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        else:
            yield v


def _causes(value: Unknown) -> str:
    names = [f"`{c.name}`" for c in value.causes[:4]]
    return ", ".join(names) if names else "a value from outside the code"


def _signature(function: Function) -> str:
    node = function.node
    try:
        return f"{function.name}({ast.unparse(node.args)})"
    except Exception:
        return function.name


def _assigned(body: list[ast.stmt]) -> list[str]:
    names: list[str] = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
                names.append(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in names:
                names.append(node.name)
    return names


def _first_argument(scope: Scope) -> Any:
    if scope.names:
        for key, value in scope.names.items():
            if key != "__class__":
                return value
    return MISSING


def _pos(node: ast.AST) -> dict[str, int]:
    return {k: getattr(node, k) for k in ("lineno", "col_offset", "end_lineno", "end_col_offset")
            if hasattr(node, k)}


def _as_load(node: ast.AST) -> ast.AST:
    import copy

    node = copy.copy(node)
    node.ctx = ast.Load()  # type: ignore[attr-defined]
    return node


# -- builtins: a fixed table; each gets the evaluator and the call's node ------------------------

def _builtin(function: Callable[..., Any], *, takes_values: bool = False) -> Callable[..., Any]:
    """Wrap a plain function over known values: unknown arguments give an unknown result; Python's
    own errors become located SpecErrors. Only ``takes_values`` functions (containers) are given
    the evaluator's own values (layers, tensors)."""

    def call(ev: Evaluator, node: ast.Call, *args: Any, **kwargs: Any) -> Any:
        values = [*args, *kwargs.values()]
        if not takes_values and function not in _TAKES_VALUES:
            unknown = deep_unknown(values)
            if unknown is not None:
                return unknown
        elif any(isinstance(v, Unknown) for v in values) and not takes_values:
            return Unknown.merge(values)
        if any(isinstance(v, Value) for v in values) and not takes_values and function not in _TAKES_VALUES:
            bad = next(v for v in values if isinstance(v, Value))
            raise ev.error(node, f"`{ev.segment(node.func)}` of {bad.what} is not something archcalc computes")
        try:
            return ev.check_value(function(ev, node, *args, **kwargs), node)
        except SpecError:
            raise
        except (TypeError, ValueError, OverflowError, ZeroDivisionError, KeyError, IndexError) as e:
            raise ev.error(node, f"`{ev.segment(node)}` fails: {_plain_error(e)}") from None

    return call


def _range(ev: Evaluator, node: ast.Call, *args: Any) -> range:
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise ev.error(node, "`range` takes whole numbers, got " + ", ".join(_kind(a) for a in args))
    return range(*args)


def _len(ev: Evaluator, node: ast.Call, value: Any) -> int:
    if isinstance(value, Value):
        length = getattr(value, "length", None)
        if length is not None:
            return length(ev, node)
    return len(value)


def _sequence_of(ev: Evaluator, node: ast.Call, value: Any) -> list[Any]:
    return ev.iterate(value, node)


def _list(ev: Evaluator, node: ast.Call, value: Any = ()) -> list[Any]:
    return _sequence_of(ev, node, value)


def _tuple(ev: Evaluator, node: ast.Call, value: Any = ()) -> tuple[Any, ...]:
    return tuple(_sequence_of(ev, node, value))


def _dict(ev: Evaluator, node: ast.Call, value: Any = (), **kwargs: Any) -> dict[Any, Any]:
    result = dict(value.items()) if isinstance(value, dict) else dict(ev.iterate(value, node))
    result.update(kwargs)
    return result


def _enumerate(ev: Evaluator, node: ast.Call, value: Any, start: int = 0) -> list[tuple[int, Any]]:
    return list(enumerate(_sequence_of(ev, node, value), start))


def _zip(ev: Evaluator, node: ast.Call, *values: Any) -> list[tuple[Any, ...]]:
    return list(zip(*(_sequence_of(ev, node, v) for v in values)))


def _reversed(ev: Evaluator, node: ast.Call, value: Any) -> list[Any]:
    return list(reversed(_sequence_of(ev, node, value)))


def _sorted(ev: Evaluator, node: ast.Call, value: Any, reverse: bool = False) -> list[Any]:
    return sorted(_sequence_of(ev, node, value), reverse=reverse)


def _minmax(pick: Callable[..., Any]) -> Callable[..., Any]:
    def function(ev: Evaluator, node: ast.Call, *args: Any, **kwargs: Any) -> Any:
        items = _sequence_of(ev, node, args[0]) if len(args) == 1 else list(args)
        if "default" in kwargs and not items:
            return kwargs["default"]
        return pick(items)

    return function


def _int(ev: Evaluator, node: ast.Call, value: Any = 0, base: int | None = None) -> int:
    if isinstance(value, str):
        if len(value.strip()) > MAX_INT_BITS:
            raise ev.error(node, "`int` of a string longer than archcalc reads")
        return int(value, base) if base is not None else int(value)
    return int(value)


def _str(ev: Evaluator, node: ast.Call, value: Any = "") -> Any:
    unknown = deep_unknown(value)
    if unknown is not None:
        return unknown
    if isinstance(value, (int, float, str, bool, type(None))):
        return str(value)
    return _show(value, limit=MAX_SEQUENCE)


def _map(ev: Evaluator, node: ast.Call, function: Any, *values: Any) -> list[Any]:
    rows = list(zip(*(_sequence_of(ev, node, v) for v in values)))
    if isinstance(function, Value):
        return [function.call(ev, list(row), {}, node) for row in rows]
    raise ev.error(node, f"`map` needs a function, got {_kind(function)}")


def _sum(ev: Evaluator, node: ast.Call, value: Any, start: Any = 0) -> Any:
    total = start
    for item in _sequence_of(ev, node, value):
        total = ev.binary(ast.Add(), total, item, node)
    return total


def _round(ev: Evaluator, node: ast.Call, value: Any, digits: int | None = None) -> Any:
    return round(value) if digits is None else round(value, digits)


def _isinstance(ev: Evaluator, node: ast.Call, value: Any, types: Any) -> bool:
    names = types if isinstance(types, tuple) else (types,)
    for t in names:
        check = getattr(t, "instance_check", None) if isinstance(t, Value) else None
        if check is not None:  # a class of the file, or of a names table (`nn.Conv2d`)
            if check(value):
                return True
            continue
        if not isinstance(t, Builtin) or t.name not in _TYPE_CHECKS:
            raise ev.error(node, "`isinstance` is read for the plain types (int, float, str, tuple, list, dict)")
        if _TYPE_CHECKS[t.name](value):
            return True
    return False


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, bool),
    "float": lambda v: isinstance(v, float), "str": lambda v: isinstance(v, str),
    "tuple": lambda v: isinstance(v, tuple), "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict), "bool": lambda v: isinstance(v, bool),
}

_TAKES_VALUES = {_len, _list, _tuple, _enumerate, _zip, _reversed, _map, _isinstance, _str}

BUILTINS: dict[str, Value] = {
    name: Builtin(name, _builtin(function)) for name, function in {
        "range": _range, "len": _len, "list": _list, "tuple": _tuple, "dict": _dict,
        "enumerate": _enumerate, "zip": _zip, "reversed": _reversed, "sorted": _sorted,
        "min": _minmax(min), "max": _minmax(max), "sum": _sum, "abs": lambda ev, n, v: abs(v),
        "int": _int, "float": lambda ev, n, v=0.0: float(v), "str": _str,
        "bool": lambda ev, n, v=False: ev.truth(v, n), "round": _round,
        "any": lambda ev, n, v: deep_unknown(v) or any(ev.truth(x, n) for x in _sequence_of(ev, n, v)),
        "all": lambda ev, n, v: deep_unknown(v) or all(ev.truth(x, n) for x in _sequence_of(ev, n, v)),
        "divmod": lambda ev, n, a, b: divmod(a, b), "set": lambda ev, n, v=(): SetValue(dict.fromkeys(
            _sequence_of(ev, n, v))), "map": _map, "isinstance": _isinstance,
        "pow": lambda ev, n, a, b: ev.binary(ast.Pow(), a, b, n),
    }.items()
}
BUILTINS["print"] = NoOp("`print`")

class SetValue(Value):
    """A set, kept in insertion order (Python's own would iterate in an order that changes per run)."""

    what = "a set"

    def __init__(self, members: dict[Any, None]) -> None:
        self.members = members

    def attribute(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        def add(ev: Evaluator, n: ast.AST, value: Any) -> None:
            if not _hashable(value):
                raise ev.error(n, f"{_kind(value)} cannot be in a set")
            if len(self.members) >= MAX_SEQUENCE:
                raise ev.error(n, f"a set of more than {MAX_SEQUENCE:,} items")
            self.members[value] = None

        def update(ev: Evaluator, n: ast.AST, values: Any) -> None:
            for x in ev.iterate(values, n):
                add(ev, n, x)

        table: dict[str, Callable[..., Any]] = {
            "add": add, "update": update, "discard": lambda ev, n, v: self.members.pop(v, None) and None}
        if name not in table:
            return super().attribute(ev, name, node)
        return Builtin(name, _builtin(table[name]))

    def items(self, ev: Evaluator, node: ast.AST) -> list[Any]:
        return list(self.members)

    def length(self, ev: Evaluator, node: ast.AST) -> int:
        return len(self.members)

    def truth(self) -> bool:
        return bool(self.members)


# Methods of plain data: (type, name) → function(ev, node, obj, *args). Nothing else is reachable.


def _append(ev: Evaluator, node: ast.AST, obj: list[Any], value: Any) -> None:
    if len(obj) >= MAX_SEQUENCE:
        raise ev.error(node, f"a list of more than {MAX_SEQUENCE:,} items")
    obj.append(value)


def _extend(ev: Evaluator, node: ast.AST, obj: list[Any], value: Any) -> None:
    items = [value] if isinstance(value, Unknown) else ev.iterate(value, node)
    if len(obj) + len(items) > MAX_SEQUENCE:
        raise ev.error(node, f"a list of more than {MAX_SEQUENCE:,} items")
    obj.extend(items)


def _get(ev: Evaluator, node: ast.AST, obj: dict[Any, Any], key: Any, default: Any = None) -> Any:
    return obj.get(key, default) if _hashable(key) else default


def _str_method(name: str) -> Callable[..., Any]:
    allowed = {"lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "replace",
               "title", "capitalize", "isdigit"}
    assert name in allowed

    def method(ev: Evaluator, node: ast.AST, obj: str, *args: Any) -> Any:
        if any(not isinstance(a, (str, int, tuple)) or isinstance(a, bool) for a in args):
            raise ev.error(node, f"`str.{name}` takes strings here")
        result = getattr(str, name)(obj, *args)
        return ev.check_value(result, node)

    return method


def _join(ev: Evaluator, node: ast.AST, obj: str, items: Any) -> str:
    values = ev.iterate(items, node)
    if not all(isinstance(v, str) for v in values):
        raise ev.error(node, "`join` takes strings")
    return ev.check_value(obj.join(values), node)


def _format(ev: Evaluator, node: ast.AST, obj: str, *args: Any, **kwargs: Any) -> str:
    """``"{} and {name:>4}".format(...)`` with plain fields only: no attribute or item lookups, which
    is how ``str.format`` reaches into objects."""
    import string

    try:
        fields = list(string.Formatter().parse(obj))
    except ValueError as e:
        raise ev.error(node, f"cannot read the format string: {e}") from None
    for _text, name, spec, _conversion in fields:
        if name is None:
            continue
        if not (name == "" or name.isdigit() or name.isidentifier()) or "{" in (spec or ""):
            raise ev.error(node, f"archcalc reads `{{}}`, `{{0}}` and `{{name}}` fields only, got `{{{name}}}`")
    values = [*args, *kwargs.values()]
    if not all(isinstance(v, (int, float, str, bool, type(None))) for v in values):
        return _show(obj)
    return ev.check_value(obj.format(*args, **kwargs), node)


def _pop(ev: Evaluator, node: ast.AST, obj: Any, *args: Any) -> Any:
    if not obj and not (isinstance(obj, dict) and len(args) == 2):
        raise ev.error(node, f"`pop` from an empty {_type_key(obj)}")
    return obj.pop(*args)


METHODS: dict[tuple[str, str], Callable[..., Any]] = {
    ("list", "append"): _append, ("list", "extend"): _extend,
    ("list", "insert"): lambda ev, n, obj, i, v: obj.insert(i, v), ("list", "pop"): _pop,
    ("list", "copy"): lambda ev, n, obj: list(obj), ("list", "index"): lambda ev, n, obj, v: obj.index(v),
    ("list", "count"): lambda ev, n, obj, v: obj.count(v), ("list", "reverse"): lambda ev, n, obj: obj.reverse(),
    ("tuple", "index"): lambda ev, n, obj, v: obj.index(v), ("tuple", "count"): lambda ev, n, obj, v: obj.count(v),
    ("dict", "get"): _get, ("dict", "items"): lambda ev, n, obj: list(obj.items()),
    ("dict", "keys"): lambda ev, n, obj: list(obj), ("dict", "values"): lambda ev, n, obj: list(obj.values()),
    ("dict", "update"): lambda ev, n, obj, other=(), **kw: obj.update(_dict(ev, n, other, **kw)),
    ("dict", "setdefault"): lambda ev, n, obj, k, d=None: obj.setdefault(k, d), ("dict", "pop"): _pop,
    ("dict", "copy"): lambda ev, n, obj: dict(obj),
    ("str", "join"): _join, ("str", "format"): _format,
    **{("str", name): _str_method(name) for name in (
        "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "replace",
        "title", "capitalize", "isdigit")},
}
for _key, _function in list(METHODS.items()):
    METHODS[_key] = _builtin(_function, takes_values=_key[0] in ("list", "dict", "tuple") and _key[1] not in (
        "index", "count"))


def evaluate_expression(text: str, values: dict[str, Any] | None = None, *, path: str = "<text>") -> Any:
    """The value of one expression over plain values (numbers, strings, tuples), with no names table.

    Used by the paper notation's ``{expression}`` fields and by ``--define``. Unknown names are errors.

    >>> evaluate_expression("4 * filters // 2", {"filters": 64})
    128
    >>> evaluate_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    archcalc.errors.SpecError: <text>:1:1: `__import__` is not defined
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise SpecError(f"cannot read `{text.strip()}` as an expression",
                        hint="write a number, a name or arithmetic, e.g. `4*filters`") from None
    lines = text.strip().splitlines() or [""]
    _check_nesting(tree, path, lines)
    ev = Evaluator(text.strip(), path, _NoNames(), values)
    try:
        value = ev.expr(tree.body, ev.globals)
    except RecursionError:
        raise ev.too_deep() from None
    if isinstance(value, Unknown):
        cause = value.causes[0]
        raise SpecError(f"`{cause.name}` is not defined", location=cause.location,
                        hint="the names here are: " + (", ".join(values or {}) or "none"))
    if isinstance(value, Value) and not isinstance(value, Unknown):
        raise SpecError(f"`{text.strip()}` is {value.what}, not a value", hint="write a number or a string")
    return value


class Names:
    """A names table: what a framework's names mean to the evaluator. This base means nothing at all
    (every import is unknown); :class:`archcalc.code.keras.KerasNames` is Keras', and a reader of
    another framework subclasses it with its own.
    """

    def module(self, path: str) -> Any:
        """What ``import path`` (or ``from a import b``: ``"a.b"``) binds."""
        return Unknown.of(path, None, "an import")

    def star(self, path: str) -> list[tuple[str, Any]]:
        """The names ``from path import *`` binds."""
        return []

    def undefined(self, name: str) -> Any:
        """The meaning of a name the code uses without defining it (``Conv2D`` in a pasted cell), or MISSING."""
        return MISSING

    def builds_call(self, value: Any, attributes: list[str]) -> bool:
        """Whether calling ``value.<attributes>(...)`` could build part of a model (decided without calling)."""
        return False

    def calls_build(self, value: Any, attributes: list[str]) -> bool | None:
        """The table's own verdict on calling ``value.<attributes>(...)`` (a function, class or object of
        the file), or None to let the evaluator decide: a PyTorch model called on data builds nothing."""
        return None

    def is_tensor(self, value: Any) -> bool:
        """Whether a value is part of the model (a library function given it is refused)."""
        return False

    def implicit_model(self, ev: Evaluator, name: ast.Name) -> Any:
        """The model that ``name.add(...)`` on an undefined name stands for, if any."""
        return None

    def own_class(self, name: str, decorators: list[str]) -> Any:
        """What a class definition of the file means instead of itself (archcalc's exported layers)."""
        return None

    def base_class(self, value: Any) -> Any:
        """The framework's side of a class based on ``value`` (``keras.Model``), or None."""
        return None


_NoNames = Names
