"""The paper notation: one layer a line, as in the VGG paper's Table 1 and course notes.

Grammar (docs/spec-language.md has every kind with an example)::

    file     := line*
    line     := [statement] ['#' comment]
    statement:= 'network' NAME
              | WORD[SIZES] [ARG...] [KEY=VALUE...] [xN]
              | ('add' | 'concat')                 branches indented below: 'branch' [LABEL] + body, or 'identity'
              | 'block' NAME ['(' PARAMS ')']     body indented below; '{expr}' fields in it
              | NAME ['(' ARGS ')'] [xN]          a block's use

``WORD`` is a kind's word (``conv``, ``FC``, ``maxpool``, ``soft-max``; case-insensitive),
``SIZES`` what follows it in the same token (``3-64`` in ``conv3-64``), ``ARG`` further plain
tokens (``FC 4096``, ``dropout 0.5``), ``xN`` a repeat count.

After a network is read, the VGG convention for activations is applied: a conv or FC layer has a
ReLU unless ``activation=`` says otherwise, and an activation written on the next line (``relu``,
``soft-max``) becomes that layer's own activation, the way Keras' ``Dense(1000,
activation='softmax')`` holds it. A conv or FC layer followed by batch normalisation is linear:
its activation comes after the normalisation.

>>> [n.kind for n in parse_paper("input 28x28\\nconv3-8\\nmaxpool\\nFC-10\\nsoft-max")[0].nodes]
['input', 'conv', 'maxpool', 'dense']
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from . import blocks as B
from . import kinds as K
from .errors import Location, SpecError
from .limits import (
    MAX_EXPRESSION_LENGTH,
    MAX_LAYERS,
    MAX_LINE_LENGTH,
    MAX_NESTING,
    MAX_NUMBER_DIGITS,
    MAX_REPEAT,
)
from .network import Network, Node
from .values import BadValue

_WORD = re.compile(r"([a-z][a-z_]*(?:-[a-z][a-z_]*)*)(.*)", re.S)
_REPEAT = re.compile(r"[x×*](\d+)")
_OPTION = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*=\s*(.*)")
# A whole number's digits; a decimal's fraction may be long (Keras writes `dropout 0.0035087719298245615`).
_LONG_NUMBER = re.compile(rf"(?<![\d.])\d{{{MAX_NUMBER_DIGITS + 1},}}")


@contextmanager
def _quiet() -> Iterator[None]:
    """Python's parser warns on text like `0.inf` ("invalid decimal literal") before the error that
    archcalc gives anyway: keep the warning off the user's screen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        yield


def _did_you_mean(word: str, rest: str) -> str:
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, list(K.WORDS), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}{rest}`?"
    examples = "conv3-64, maxpool, FC-4096, soft-max, batchnorm, dropout 0.5, flatten"
    return f"a layer is one of: {examples} (docs/spec-language.md lists them all)"


@functools.lru_cache(maxsize=4096)  # a deep spec repeats a few lines many times
def _tokens(code: str) -> tuple[tuple[str, int], ...]:
    """The tokens of a line's code, each with its 1-based column; `stride = 2` is one option token, as
    `stride=2` is.

    >>> _tokens("conv3-64  stride = 2 x3")
    (('conv3-64', 1), ('stride = 2', 11), ('x3', 22))
    """
    return tuple((m.group(), m.start() + 1) for m in _TOKEN.finditer(code))


_TOKEN = re.compile(r"[A-Za-z_]\w*\s*=\s*\S+|\S+")


class _Line:
    """One statement's tokens, with the column of each, for error messages."""

    def __init__(self, path: str, number: int, text: str) -> None:
        self.path, self.number, self.text = path, number, text
        self.tokens = list(_tokens(text.split("#", 1)[0]))

    def check_limits(self) -> None:
        """Refuse a line too long to be a layer, or a number too long to be a size, before reading it
        (Python will not even convert more than 4,300 digits to an integer)."""
        if len(self.text) > MAX_LINE_LENGTH:
            raise self.error(f"a line of {len(self.text):,} characters is longer than archcalc reads "
                             f"({MAX_LINE_LENGTH:,}, MAX_LINE_LENGTH)", 1, 1,
                             "one layer a line: split it, or remove what is not a layer")
        if m := _LONG_NUMBER.search(self.text.split("#", 1)[0]):
            raise self.error(f"a number of {len(m.group()):,} digits is larger than any size archcalc reads "
                             f"(at most {MAX_NUMBER_DIGITS} digits, MAX_NUMBER_DIGITS)", m.start() + 1,
                             min(len(m.group()), 40), "check the number: sizes and counts are far smaller")

    def loc(self, column: int = 1, length: int | None = None) -> Location:
        if length is None:
            length = len(self.text.split("#", 1)[0].rstrip()) - column + 1
        return Location(self.path, self.number, column, self.text, max(1, length))

    def error(self, message: str, column: int = 1, length: int | None = None,
              hint: str | None = None) -> SpecError:
        return SpecError(message, location=self.loc(column, length), hint=hint)


def _parse_layer(line: _Line) -> tuple[Node, int, bool]:
    """A layer line → (node without inputs, repeat count, whether `activation=` was given)."""
    first, col = line.tokens[0]
    if len(first) > 1 and first.endswith(":"):  # `input: 28x28`, as `network:` is accepted
        first = first[:-1]
    m = _WORD.fullmatch(first.lower())
    if not m:
        raise line.error(f"a layer must start with its kind, got `{first}`", col, len(first),
                         "write e.g. `conv3-64`, `maxpool` or `FC-4096`")
    word, rest = m.group(1), m.group(2)
    if first.lower() in K.WORDS:  # words with digits in them: relu6
        word, rest = first.lower(), ""
    if len(line.tokens) > 1 and not rest:  # `max pool 2x2`, `soft max`: one word split in two
        second = line.tokens[1][0]
        joined = _WORD.fullmatch((first + second).lower())
        if joined and joined.group(1) != word and joined.group(1) in K.WORDS:
            raise line.error(f"`{first} {second}` is one word in the notation: `{first}{second}`", col,
                             line.tokens[1][1] - col + len(second), f"write `{first}{second}`, without the space")
    if word not in K.WORDS:
        raise line.error(f"unknown layer kind `{first}`", col, len(first),
                         _did_you_mean(word, rest))
    kind_name, preset = K.WORDS[word]
    kind = K.KINDS[kind_name]

    repeat, options, positional = 1, [], [(rest.lstrip("-") if rest.startswith("-") else rest, col)]
    tokens, names = _names(line, line.tokens[1:])
    for token, tcol in _joined(tokens, kind):
        if kind_name != "input" and (r := _REPEAT.fullmatch(token.lower())):
            repeat = int(r.group(1))
            if repeat > MAX_REPEAT:
                raise line.error(f"a layer repeated {repeat:,} times is more than archcalc reads "
                                 f"({MAX_REPEAT:,}, MAX_REPEAT)",
                                 tcol, len(token), "check the repeat count")
            if repeat < 1:
                raise line.error(f"a layer repeated {repeat} times makes no layer", tcol, len(token),
                                 "write `x1` or more, e.g. `conv3-256 x3`")
        elif o := _OPTION.fullmatch(token):
            options.append((o.group(1).lower(), o.group(2), tcol, len(token)))
        else:
            positional.append((token, tcol))

    text = " ".join(t for t, _ in positional if t).strip()
    pcol = next((c for t, c in positional if t), col)
    try:
        args: dict[str, Any] = {**kind.defaults, **preset, **kind.positional(word, text)}
    except BadValue as e:
        span = col if not positional[0][0] else pcol
        raise line.error(e.message, span, None if text else len(first), e.hint) from None

    given = set()
    for key, value, tcol, length in options:
        if key not in kind.options:
            import difflib

            close = difflib.get_close_matches(key, list(kind.options), n=1)
            known = ", ".join(f"`{k}=`" for k in kind.options) or "none"
            hint = f"its options are: {known}"
            if close:  # suggest the near option only with a value it takes (`padding=reflect` is no fix)
                try:
                    kind.options[close[0]][1](value)
                    hint = f"did you mean `{close[0]}={value}`?"
                except BadValue as e:
                    hint = f"the nearest option is `{close[0]}=`, but {e.message}; its options are: {known}"
            raise line.error(f"`{word}` has no option `{key}`", tcol, length, hint)
        arg, convert = kind.options[key]
        try:
            args[arg] = convert(value)
        except BadValue as e:
            raise line.error(e.message, tcol, length, e.hint) from None
        given.add(arg)
    if kind_name in ("maxpool", "avgpool") and "strides" not in given:
        args["strides"] = args["pool"]  # a pooling window steps by its own size unless told
    for arg in kind.required:
        if arg not in args:
            raise line.error(f"`{word}` needs {arg}", col, len(first), f"write e.g. `{kind.example}`")
    node = Node(kind_name, args, (), line.loc(col, len(first)),
                source=line.text.split("#", 1)[0].strip(), label=names.get("as", ""), origin=names.get("from", ""))
    if kind_name == "input" and node.origin:
        raise line.error("the input takes no `from`: it is the start of every chain", col, len(first))
    return node, repeat, "activation" in given


_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _names(line: _Line, tokens: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """Take ``as NAME`` (label this layer's output) and ``from NAME`` (read a labelled output instead
    of the line before) out of a line's tokens."""
    rest, names, i = [], {}, 0
    while i < len(tokens):
        token, tcol = tokens[i]
        if token.lower() in ("as", "from") and i + 1 < len(tokens):
            name, ncol = tokens[i + 1]
            if not _LABEL.fullmatch(name):
                raise line.error(f"`{token} {name}`: a label is a name (letters, digits, _)", ncol, len(name),
                                 f"write e.g. `{token} stem`")
            if token.lower() in names:
                raise line.error(f"`{token}` twice on one line", tcol, len(token))
            names[token.lower()] = name
            i += 2
            continue
        rest.append((token, tcol))
        i += 1
    return rest, names


def _joined(tokens: list[tuple[str, int]], kind: Any) -> list[tuple[str, int]]:
    """The obvious spellings of a repeat and of an option, as the notation writes them: `x 2` is `x2`,
    and `stride 2` or `stride = 2` is `stride=2` (for an option the layer has).

    >>> from archcalc.kinds import KINDS
    >>> _joined([("x", 10), ("2", 12), ("stride", 14), ("2", 21), ("padding", 23), ("=", 31), ("1", 33)],
    ...         KINDS["conv"])
    [('x2', 10), ('stride=2', 14), ('padding=1', 23)]
    """
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(tokens):
        token, tcol = tokens[i]
        ahead = [t for t, _ in tokens[i + 1:i + 3]]
        if token.lower() in ("x", "×", "*") and ahead and ahead[0].isdigit():
            out.append((f"x{ahead[0]}", tcol))
            i += 2
        elif token.lower() in kind.options and ahead[:1] == ["="] and len(ahead) == 2:
            out.append((f"{token}={ahead[1]}", tcol))
            i += 3
        elif token.lower() in kind.options and ahead and "=" not in ahead[0] and not _REPEAT.fullmatch(ahead[0]):
            out.append((f"{token}={ahead[0]}", tcol))
            i += 2
        elif token.endswith("=") and token[:-1].lower() in kind.options and ahead:  # `stride= 2`
            out.append((token + ahead[0], tcol))
            i += 2
        elif token.startswith("=") and out and out[-1][0].lower() in kind.options:  # `stride =2`
            out[-1] = (out[-1][0] + token, out[-1][1])
            i += 1
        else:
            out.append((token, tcol))
            i += 1
    return out


@dataclass
class _Stmt:
    """A line and the lines indented under it (its body)."""

    line: _Line
    indent: int
    body: list[_Stmt] = field(default_factory=list)

    @property
    def word(self) -> str:
        return self.line.tokens[0][0].lower().rstrip(":")


@dataclass
class _Merge:
    """A merge while it is read: its node (no inputs yet) and its branches (``None``: identity),
    each with the label it starts ``from`` (``""``: where the merge stands) and its line."""

    node: Node
    branches: list[list[_Item] | None]
    origins: list[tuple[str, Location | None]] = field(default_factory=list)


@dataclass
class _Side:
    """A side output while it is read (``output aux1`` and the layers indented below it)."""

    name: str
    items: list[_Item]


_Item = tuple[Node, bool] | _Merge | _Side  # a layer (with whether `activation=` was explicit), a merge, an output


def _tree(lines: list[_Line]) -> list[_Stmt]:
    """Group lines by indentation: a line's body is the run of lines indented deeper below it."""
    roots: list[_Stmt] = []
    stack: list[_Stmt] = []
    for line in lines:
        indent = len(line.text.expandtabs(4)) - len(line.text.expandtabs(4).lstrip())
        while stack and stack[-1].indent >= indent:
            stack.pop()
        if len(stack) >= MAX_NESTING:  # the readers below recurse once a level
            raise line.error(f"this line is nested {len(stack) + 1} levels deep; blocks and branches are nested too "
                             f"deeply to read (at most {MAX_NESTING}, MAX_NESTING)", indent + 1, None,
                             "nest `add`/`concat` less deeply, or define a block and repeat it")
        stmt = _Stmt(line, indent)
        (stack[-1].body if stack else roots).append(stmt)
        stack.append(stmt)
    return roots


def _flat(stmts: list[_Stmt]) -> list[_Stmt]:
    """Statements with the bodies of plain lines lifted to their level (indentation there is cosmetic)."""
    out: list[_Stmt] = []
    for st in stmts:
        out.append(st)
        if st.body and not _takes_body(st):
            out.extend(_flat(st.body))
    return out


def _takes_body(st: _Stmt) -> bool:
    word = st.word
    if word in ("block", "branch", "output"):
        return True
    kind = K.WORDS.get(word)
    return kind is not None and K.KINDS[kind[0]].inputs != 1


class _Reader:
    """Expands the statements of one file: block definitions, calls, merges and branches.

    Args:
        path: the file name, for messages.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.blocks: dict[str, B.Block] = {}
        self.made = 0  # layers expanded so far: repeats of repeats multiply
        self.sizes: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}  # a block's layers, by its arguments
        #: The statement being read, or the items read once expansion is over: where the message points
        #: if Python's stack runs out first (a deep merge read from a deep stack, as in the browser).
        self.here: _Line | list[_Item] | None = None
        # Each distinct layer line read once: a 100,000-line chain of `conv3-16`, `batchnorm`, `relu` is three.
        self.layers: dict[str, tuple[Node, int, bool]] = {}

    def layer(self, line: _Line) -> tuple[Node, int, bool]:
        """:func:`_parse_layer` of the line, the same text read again only placed at its own line."""
        known = self.layers.get(line.text)
        if known is None:
            known = self.layers[line.text] = _parse_layer(line)
            return known
        node, repeat, explicit = known
        at = node.location
        assert at is not None
        return Node(node.kind, node.args, node.inputs, Location(at.path, line.number, at.column, at.text, at.length),
                    node.source, node.scope, node.label, node.origin), repeat, explicit

    # -- blocks ---------------------------------------------------------------------------
    def define(self, st: _Stmt) -> None:
        line = st.line
        code = line.text.split("#", 1)[0].strip()
        m = B.split_definition(code)
        col = line.tokens[0][1]
        if not m:
            raise line.error("cannot read this block definition", col, None,
                             "write `block NAME(param, param=default)` and the body indented below it")
        name = m[0]
        if name.lower() in K.WORDS or name.lower() in ("network", "block", "branch", "identity"):
            raise line.error(f"a block cannot be named `{name}`: that is a layer word", col, None,
                             f"choose another name, e.g. `{name}_block`")
        if name in self.blocks:
            raise line.error(f"a second block named `{name}`", col, None,
                             f"the first is at {self.blocks[name].location}; give this one another name")
        try:
            params = B.parameters(m[1])
        except BadValue as e:
            raise line.error(e.message, col, None, e.hint) from None
        if not st.body:
            raise line.error(f"block `{name}` has no body", col, None,
                             "write its layers on the following lines, indented")
        self.blocks[name] = B.Block(name, params, st.body, line.loc(col))

    def call(self, line: _Line, env: dict[str, Any], scope: tuple[str, ...]) -> list[_Item] | None:
        """The items of a block call, or ``None`` when the line is not one."""
        code = line.text.split("#", 1)[0].strip()
        bound = self.bind(line, env)
        if bound is None:
            return None
        block, values, repeat, args, kwargs, col = bound
        # The label shows the values the call resolved to: `residual(64, 2)`, not `residual(filters, stride)`.
        shown = [str(B.resolve(a, env)) for a in args] + [f"{k}={B.resolve(v, env)}" for k, v in kwargs.items()]
        label = f"{block.name}({', '.join(shown)})" if B.split_call(code)[1] is not None else block.name
        tag = f"{label} [1/{repeat}]" if repeat > 1 else label
        try:
            first = self.sequence(block.body, values, (*scope, tag))
        except SpecError as e:
            e.details = (*e.details, f"in `{tag}`, called at {line.loc(col)}")
            raise
        items: list[_Item] = list(first)
        # Every repetition reads the same: the first one's layers, each under its own label.
        for i in range(2, repeat + 1):
            items.extend(_rescoped(first, len(scope), f"{label} [{i}/{repeat}]"))
        return items

    def bind(self, line: _Line, env: dict[str, Any]) -> tuple[B.Block, dict[str, Any], int, list[Any],
                                                             dict[str, Any], int] | None:
        """A block call's block, parameter values, repeat count, arguments as written and column;
        ``None`` when the line is not a call."""
        if not self.blocks:  # a file without blocks calls none (and a deep chain is read at half the cost)
            return None
        code = line.text.split("#", 1)[0].strip()
        m = B.split_call(code)
        if not m or m[0] not in self.blocks:
            return None
        block = self.blocks[m[0]]
        col = line.tokens[0][1]
        try:
            args, kwargs = B.split_arguments(m[1])
            for a in (*args, *kwargs.values()):
                if isinstance(a, str) and len(a) > MAX_EXPRESSION_LENGTH:
                    raise BadValue(f"an argument of {len(a):,} characters is longer than archcalc reads "
                                   f"({MAX_EXPRESSION_LENGTH}, MAX_EXPRESSION_LENGTH)",
                                   "write a value or short arithmetic, e.g. `2*filters`")
            with _quiet():
                values = block.bind([B.resolve(a, env) for a in args],
                                    {k: B.resolve(v, env) for k, v in kwargs.items()})
        except BadValue as e:
            raise line.error(e.message, col, None, e.hint) from None
        repeat = int(m[2] or 1)
        if not 1 <= repeat <= MAX_REPEAT:
            raise line.error(f"a block repeated {repeat:,} times", col, None, f"write `x1` to `x{MAX_REPEAT}`")
        return block, values, repeat, args, kwargs, col

    def size(self, stmts: list[_Stmt], env: dict[str, Any], calls: tuple[tuple[str, Location], ...] = (),
             depth: int = 0) -> int:
        """How many layers :meth:`sequence` would make of ``stmts``, counted without making them.

        Blocks are counted once per set of argument values (a block repeated inside repeated blocks is
        a multiplication, not a walk), so the count of a file that would expand to 10^30 layers takes
        milliseconds, and the expansion is refused before it starts. A statement that cannot be read is
        counted as one layer: :meth:`sequence` reports it with its own message, in the order of the file.

        Raises:
            SpecError: a block that uses itself, nesting deeper than MAX_NESTING, or a statement
                that alone would make more than MAX_LAYERS layers.
        """
        total = 0
        for st in _flat(stmts):
            self.here = st.line
            try:
                line = self.substituted(st, env)
            except SpecError:
                total += 1
                continue
            col = line.tokens[0][1]
            try:
                bound = self.bind(line, env)
            except SpecError:  # a wrong call: `sequence` reports it in the order of the file
                total += 1
                continue
            if bound is not None:
                block, values, repeat, *_ = bound
                chain = " → ".join(n for n, _ in calls)
                if any(n == block.name for n, _ in calls):
                    raise line.error(f"block `{block.name}` calls itself ({chain} → {block.name})", col, None,
                                     "a block cannot use itself, directly or through another block")
                if depth >= MAX_NESTING:
                    raise line.error(f"blocks and branches are nested too deeply to read: {depth + 1} levels here "
                                     f"(at most {MAX_NESTING}, MAX_NESTING)", col, None,
                                     "call blocks one after the other rather than inside each other")
                key = (block.name, tuple(sorted((k, repr(v)) for k, v in values.items())))
                if key not in self.sizes:
                    try:
                        self.sizes[key] = self.size(block.body, values, (*calls, (block.name, line.loc(col))),
                                                    depth + 1)
                    except SpecError as e:
                        e.details = (*e.details, f"in `{block.name}`, used at {line.loc(col)}")
                        raise
                count = repeat * self.sizes[key]
            else:
                count = self.layer_size(st, line, env, calls, depth)
            if count > MAX_LAYERS:
                raise line.error(f"`{line.text.split('#', 1)[0].strip()}` expands to {count:,} layers; the network "
                                 f"grows past {MAX_LAYERS:,} layers, the most archcalc reads (MAX_LAYERS)",
                                 col, None, "check the repeat counts: blocks repeated inside repeated blocks "
                                            "multiply")
            total += count
        return total

    def layer_size(self, st: _Stmt, line: _Line, env: dict[str, Any], calls: tuple[tuple[str, Location], ...],
                   depth: int) -> int:
        """The layers one layer line makes: its repeat count, times its branches' layers for a merge."""
        first = line.tokens[0][0]
        repeat = 1
        for token, _ in line.tokens[1:]:
            if r := _REPEAT.fullmatch(token.lower()):
                repeat = int(r.group(1))
        kind = K.WORDS.get(first.lower().rstrip(":"))
        if kind is None or K.KINDS[kind[0]].inputs == 1 or kind[0] == "input":
            return repeat
        if depth >= MAX_NESTING:
            raise line.error(f"blocks and branches are nested too deeply to read: {depth + 1} levels here "
                             f"(at most {MAX_NESTING}, MAX_NESTING)", line.tokens[0][1], len(first),
                             "nest `add`/`concat` less deeply, or define a block and repeat it")
        inner = sum(self.size(sub.body, env, calls, depth + 1) for sub in st.body if sub.word == "branch")
        return repeat * (1 + inner)

    def with_block_hint(self, error: SpecError, word: str) -> SpecError:
        """An unknown word that is close to a block's name (`Bottleneck(64)`): suggest the block."""
        import difflib

        name = re.split(r"[\s(]", word, maxsplit=1)[0]
        close = difflib.get_close_matches(name, list(self.blocks), n=1, cutoff=0.6) or [
            b for b in self.blocks if b.lower() == name.lower()]
        if close and error.message.startswith("unknown layer kind"):
            error.hint = f"did you mean the block `{close[0]}`? (block names are case-sensitive)"
        return error

    # -- statements -------------------------------------------------------------------------
    def substituted(self, st: _Stmt, env: dict[str, Any]) -> _Line:
        line = st.line
        code = line.text.split("#", 1)[0]
        if "{" not in code:
            return line
        text = line.text
        for start, end, expression in reversed(B.fields(code)):
            if len(expression) > MAX_EXPRESSION_LENGTH:
                raise line.error(f"a `{{...}}` field of {len(expression):,} characters is longer than archcalc reads "
                                 f"({MAX_EXPRESSION_LENGTH}, MAX_EXPRESSION_LENGTH)", start + 1, end - start,
                                 "write a parameter or short arithmetic, e.g. `{4*filters}`")
            try:
                with _quiet():
                    value = B.evaluate(expression, env)
            except BadValue as e:
                hint = e.hint if env else "`{...}` takes a block's parameters: use it inside `block NAME(...)`"
                raise line.error(e.message, start + 1, end - start, hint) from None
            if isinstance(value, int) and abs(value) >= 10**MAX_NUMBER_DIGITS:  # before str(): 4,300 digits raise
                raise line.error(f"`{{{expression}}}` is a number of more than {MAX_NUMBER_DIGITS} digits, larger "
                                 "than any size archcalc reads (MAX_NUMBER_DIGITS)", start + 1, end - start,
                                 "check the arithmetic")
            text = text[:start] + str(value) + text[end:]
        return _Line(line.path, line.number, text)

    def sequence(self, stmts: list[_Stmt], env: dict[str, Any], scope: tuple[str, ...]) -> list[_Item]:
        """The items of a run of statements (the main chain, a block's body or a branch)."""
        items: list[_Item] = []
        for st in _flat(stmts):
            self.here = st.line
            line = self.substituted(st, env)
            first, col = line.tokens[0]
            word = first.lower().rstrip(":")
            if word in ("network", "block"):
                raise line.error(f"`{word}` cannot stand inside a block or a branch", col, len(first),
                                 "write it at the start of a line, not indented under another")
            if word in ("branch", "identity"):
                raise line.error(f"`{word}` outside `add` or `concat`", col, len(first),
                                 "branches are written indented under a merge: `add`, then `branch` lines")
            if word == "output":
                items.append(self.side(st, line, env, scope))
                continue
            called = self.call(line, env, scope)
            if called is None and (m := _CALL_AS.fullmatch(line.text.split("#", 1)[0].rstrip())):
                # `down(64) as e1`: the block's last layer gets the label
                called = self.call(_Line(line.path, line.number, m.group(1)), env, scope)
                if called:
                    called[-1] = _labelled(called[-1], m.group(2))
            if called is not None:
                items.extend(called)
                continue
            try:
                node, repeat, explicit = self.layer(line)
            except SpecError as e:
                raise self.with_block_hint(e, first) from None
            self.made += repeat
            if self.made > MAX_LAYERS:
                raise line.error(f"the network grows past {MAX_LAYERS:,} layers here (blocks repeated inside "
                                 "repeated blocks multiply)", col, len(first), "check the repeat counts")
            if scope:  # built directly: `dataclasses.replace` costs as much as reading the line
                node = Node(node.kind, node.args, node.inputs, node.location, node.source, scope, node.label,
                            node.origin)
            if node.kind == "input":
                if not scope:
                    raise line.error("a second `input` line in the same network", col, len(first),
                                     "start another network with `network NAME` first")
                raise line.error("`input` inside a block or a branch", col, len(first),
                                 "the input is the first line of a network")
            if K.KINDS[node.kind].inputs != 1:
                merge = self.merge(st, node, env, scope)
                items.extend([merge] * repeat)
            else:
                items.extend([(node, explicit)] * repeat)
        return items

    def side(self, st: _Stmt, line: _Line, env: dict[str, Any], scope: tuple[str, ...]) -> _Side:
        """``output aux1`` with layers indented below: a chain from here that ends as an extra output."""
        first, col = line.tokens[0]
        if len(line.tokens) != 2 or not _LABEL.fullmatch(line.tokens[1][0]):
            raise line.error("`output` needs a name", col, len(first),
                             "write e.g. `output aux1`, with the side output's layers indented below")
        if not st.body:
            raise line.error("an `output` without layers", col, len(first), "indent its layers below it")
        name = line.tokens[1][0]
        return _Side(name, self.sequence(st.body, env, (*scope, f"output {name}")))

    def merge(self, st: _Stmt, node: Node, env: dict[str, Any], scope: tuple[str, ...]) -> _Merge:
        line = st.line
        first, col = line.tokens[0]
        example = (f"{first}\n  identity\n  branch\n    conv3-64\n    bn")
        if not st.body:
            raise line.error(f"`{first}` needs its branches, indented below it", col, len(first),
                             f"write e.g.\n{example}")
        branches: list[list[_Item] | None] = []
        origins: list[tuple[str, Location | None]] = []
        for sub in st.body:
            bline = self.substituted(sub, env)
            word, bcol = sub.word, bline.tokens[0][1]
            n = len(branches) + 1
            rest, names = _names(bline, bline.tokens[1:]) if word in ("identity", "branch") else ([], {})
            if "as" in names:
                raise bline.error("a branch takes `from NAME`, not `as`", bcol, len(bline.text.strip()),
                                  "label a layer of the branch instead")
            origins.append((names.get("from", ""), bline.loc(bcol)))
            if word == "identity" and not rest:
                if sub.body:
                    raise bline.error("`identity` takes no layers", bcol, 8,
                                      "write the layers under a `branch` line instead")
                branches.append(None)
            elif word == "branch":
                if not sub.body:
                    raise bline.error("a `branch` without layers", bcol, 6,
                                      "indent its layers below it; for a plain shortcut write `identity`")
                label = " ".join(t for t, _ in rest) or str(n)
                branches.append(self.sequence(sub.body, env, (*scope, f"branch {label}")))
            else:
                raise bline.error(f"inside `{first}`, each branch starts with `branch` (or is `identity`), "
                                  f"got `{bline.tokens[0][0]}`", bcol, len(bline.tokens[0][0]),
                                  "indent the branch's layers under a `branch` line")
        if len(branches) < 2:
            raise line.error(f"`{first}` has {len(branches)} branch; a merge needs two or more", col, len(first),
                             "add `identity` for a shortcut, or another `branch`")
        return _Merge(node, branches, origins)


_CALL_AS = re.compile(r"(.*\S)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)\s*")


def _labelled(item: _Item, label: str) -> _Item:
    """The item with ``label`` on its node (a merge's node, a side output's last layer)."""
    if isinstance(item, _Merge):
        return _Merge(replace(item.node, label=label), item.branches, item.origins)
    if isinstance(item, _Side):
        return _Side(item.name, [*item.items[:-1], _labelled(item.items[-1], label)])
    return replace(item[0], label=label), item[1]


def _rescoped(items: list[_Item], at: int, tag: str) -> list[_Item]:
    """The items with the label at position ``at`` of their scope replaced by ``tag`` (the next
    repetition of a block: reading its body again would give the same layers)."""
    def node(n: Node) -> Node:  # built directly: `dataclasses.replace` costs as much as the rest together
        return Node(n.kind, n.args, n.inputs, n.location, n.source, (*n.scope[:at], tag, *n.scope[at + 1:]),
                    n.label, n.origin)

    def again(item: _Item) -> _Item:
        if isinstance(item, _Side):
            return _Side(item.name, _rescoped(item.items, at, tag))
        if isinstance(item, _Merge):
            return _Merge(node(item.node), [None if b is None else _rescoped(b, at, tag) for b in item.branches],
                          item.origins)
        return node(item[0]), item[1]

    return [again(item) for item in items]


def _apply_activation_rule(read: list[_Item]) -> list[_Item]:
    """The VGG convention: fold a following activation line into a conv/FC, linear before BN.

    Args:
        read: the items as read; each layer with whether its `activation=` was written explicitly
            (an explicit choice is kept as it is, and the next line stays a layer of its own).
            A merge separates the layers before and after it; its branches follow the rule inside.
    """
    out: list[_Item] = []
    # The options of a layer with its activation folded in, made once for layers that share theirs (a line
    # read again, a repeat): equal layers keep sharing one dictionary, which the analysis reads once.
    folded: dict[tuple[int, Any], tuple[dict[str, Any], dict[str, Any]]] = {}

    def with_activation(args: dict[str, Any], function: Any) -> dict[str, Any]:
        known = folded.get((id(args), function))
        if known is None:  # the original is kept beside its copy: its id is not reused meanwhile
            known = folded[(id(args), function)] = (args, {**args, "activation": function})
        return known[1]

    i = 0
    while i < len(read):
        item = read[i]
        if isinstance(item, _Merge):
            out.append(_Merge(item.node, [None if b is None else _apply_activation_rule(b)
                                          for b in item.branches], item.origins))
            i += 1
            continue
        if isinstance(item, _Side):
            out.append(_Side(item.name, _apply_activation_rule(item.items)))
            i += 1
            continue
        node, explicit = item
        kind = K.KINDS[node.kind]
        nxt = read[i + 1] if i + 1 < len(read) else None
        nxt_node = nxt[0] if isinstance(nxt, tuple) else None
        if (kind.fused_activation and not explicit and nxt_node is not None and not nxt_node.origin
                and not (node.label and nxt_node.label)):
            # Nodes built directly: `dataclasses.replace` is several times slower.
            if nxt_node.kind == "activation":
                out.append((Node(node.kind, with_activation(node.args, nxt_node.args["function"]), node.inputs,
                                 node.location, f"{node.source} + {nxt_node.source}", node.scope,
                                 node.label or nxt_node.label, node.origin), explicit))
                i += 2
                continue
            if nxt_node.kind == "batchnorm":
                node = Node(node.kind, with_activation(node.args, None), node.inputs, node.location, node.source,
                            node.scope, node.label, node.origin)
        out.append((node, explicit))
        i += 1
    return out


def _link(items: list[_Item], start: int, nodes: list[Node], labels: dict[str, int] | None = None) -> int:
    """Append the items to ``nodes`` with their parents filled in; return the last one's index.

    ``labels`` maps each ``as NAME`` read so far to its node: the latest one wins, so a label set
    in a repeated block names the current repetition's layer (as a variable in Keras code does).
    """
    labels = {} if labels is None else labels

    def find(name: str, location: Location | None) -> int:
        if name not in labels:
            close = [k for k in labels if k.lower() == name.lower()]
            raise SpecError(f"`from {name}`: no layer before this line is labelled `{name}`", location=location,
                            hint=f"did you mean `{close[0]}`?" if close else
                            f"label a layer above with `as {name}` (e.g. `conv3-64 as {name}`)")
        return labels[name]

    current = start
    for item in items:
        if isinstance(item, _Side):
            _link(item.items, current, nodes, labels)
            continue
        if isinstance(item, _Merge):
            origins = item.origins or [("", None)] * len(item.branches)
            ends = []
            for b, (origin, where) in zip(item.branches, origins):
                begin = find(origin, where) if origin else current
                ends.append(begin if b is None else _link(b, begin, nodes, labels))
            n = item.node
            node = Node(n.kind, n.args, tuple(ends), n.location, n.source, n.scope, n.label)
        else:
            n = item[0]  # built directly: `dataclasses.replace` is several times slower
            parent = find(n.origin, n.location) if n.origin else current
            node = Node(n.kind, n.args, (parent,), n.location, n.source, n.scope, n.label)
        nodes.append(node)
        current = len(nodes) - 1
        if node.label:
            labels[node.label] = current
    return current


def parse_paper(text: str, path: str = "<text>", *, only: str | None = None) -> list[Network]:
    """Read every network of a paper-notation text.

    Args:
        text: the spec.
        path: the file name to show in errors.
        only: a network's name (any case): when the text holds it, only that network's layers are
            expanded and it alone is returned (``summary resnet152`` need not build ResNet-50 and
            -101 beside it). Otherwise every network is read.

    Returns:
        The networks in the order written; a file without ``network`` lines holds one, named
        after the file.

    Raises:
        SpecError: with the file, line and column of the first problem.
    """
    reader = _Reader(path)
    try:
        return _parse_paper(text, path, only, reader)
    except RecursionError:  # Python's stack ran out before MAX_NESTING was reached (a small stack)
        here = reader.here
        location = (here.loc(here.tokens[0][1]) if isinstance(here, _Line) else
                    _innermost(here) if here else _deepest_line(text, path))
        raise SpecError("blocks and branches are nested too deeply to read", location=location,
                        hint="nest `add`/`concat` blocks less deeply, or define a block and repeat it") from None


def _innermost(items: list[_Item]) -> Location | None:
    """The first layer at the deepest level of merges, side outputs and branches (walked without recursion).

    >>> _innermost([]) is None
    True
    """
    best: tuple[int, Location | None] = (-1, None)
    stack: list[tuple[list[_Item], int]] = [(items, 0)]
    while stack:
        run, depth = stack.pop()
        for item in run:
            if isinstance(item, _Merge):
                stack.extend((b, depth + 1) for b in item.branches if b)
                node = item.node
            elif isinstance(item, _Side):
                stack.append((item.items, depth + 1))
                continue
            else:
                node = item[0]
            if depth > best[0]:
                best = (depth, node.location)
    return best[1]


def _deepest_line(text: str, path: str) -> Location:
    """The most indented line of a text (the innermost branch), when nothing better is known."""
    lines = text.splitlines() or [""]
    def indent(i: int) -> tuple[bool, int]:
        return lines[i].strip() != "", len(lines[i].expandtabs(4)) - len(lines[i].expandtabs(4).lstrip())

    number = max(range(len(lines)), key=indent)
    column = len(lines[number]) - len(lines[number].lstrip()) + 1
    return Location(path, number + 1, column, lines[number], max(1, len(lines[number].strip())))


def _parse_paper(text: str, path: str, only: str | None, reader: _Reader) -> list[Network]:
    default_name = re.sub(r"\.[A-Za-z0-9]+$", "", path.replace("\\", "/").rsplit("/", 1)[-1])
    lines = [line for number, raw in enumerate(text.splitlines(), start=1)
             if (line := _Line(path, number, raw)).tokens]
    for line in lines:
        line.check_limits()
    name, header = default_name, None
    input_node: Node | None = None
    body: list[_Stmt] = []  # the statements of the network being read, after its input
    read: list[tuple[str, Location | None, Node, list[_Stmt]]] = []  # networks, not yet expanded

    def close() -> None:
        if input_node is None:
            if header is not None:
                raise SpecError(f"network `{name}` has no layers", location=header,
                                hint=f"add `input ...` and its layers after `network {name}`")
            return
        read.append((name, header, input_node, body))

    for st in _tree(lines):
        for sub in ([st] if _takes_body(st) else _flat([st])):
            line = sub.line
            first, col = line.tokens[0]
            word = sub.word
            if word == "network":
                close()
                if len(line.tokens) < 2:
                    raise line.error("`network` needs a name", col, len(first), "write e.g. `network vgg16`")
                name, header, input_node, body = line.tokens[1][0], line.loc(col), None, []
                # `--net` picks a network case-insensitively, so `a` and `A` could not both be reached.
                if any(n.lower() == name.lower() for n, *_ in read):
                    raise line.error(f"a second network named `{name}`", line.tokens[1][1], len(name),
                                     "give each network of a file its own name (names are compared ignoring case)")
                continue
            if word == "block":
                reader.define(sub)
                continue
            if input_node is None:
                called = re.split(r"[\s(]", line.text.strip(), maxsplit=1)[0] in reader.blocks
                node = None if called else _parse_layer(line)[0]
                if node is None or node.kind != "input":
                    raise line.error(f"`{line.text.split('#', 1)[0].strip()}` comes before the input shape",
                                     col, len(first), "start the network with its input, e.g. `input 224x224x3`")
                input_node = node
                continue
            body.append(sub)
    close()
    if not read:
        raise SpecError(f"{path} holds no layers (only blank lines and comments)",
                        hint="a spec starts with `input 224x224x3` followed by one layer a line")
    wanted = [r for r in read if only is not None and r[0].lower() == only.lower()] or read
    networks = []
    for net_name, net_header, first_node, statements in wanted:
        count = reader.size(statements, {})  # the layers, the input not counted (it is no row)
        if count > MAX_LAYERS:
            raise SpecError(f"network `{net_name}` would have {count:,} layers once its blocks and repeats are "
                            f"expanded; archcalc reads at most {MAX_LAYERS:,} (MAX_LAYERS)",
                            location=net_header or first_node.location,
                            hint="check the repeat counts: blocks repeated inside repeated blocks multiply")
        items = reader.sequence(statements, {}, ())
        reader.here = items
        items = _apply_activation_rule(items)
        nodes = [first_node]
        _link(items, 0, nodes)
        networks.append(Network(net_name, nodes, net_header or first_node.location, "paper"))
    return networks


def format_paper(network: Network, *, header: bool = True) -> str:
    """Write a network back in the paper notation, every non-default option spelled out.

    ``parse_paper(format_paper(net))`` gives the same nodes (tests/test_properties.py); for a
    network read from Keras code or a Keras model this is its translation into the paper notation.
    Merges are written as indented blocks of branches (:func:`archcalc.graph.structure`).

    Raises:
        SpecError: the network's branches do not nest as `add`/`concat` blocks.
    """
    lines = [f"network {network.name}"] if header else []
    lines += [text for text, _ in paper_lines(network)]
    return "\n".join(lines) + "\n"


def paper_lines(network: Network) -> list[tuple[str, int | None]]:
    """The lines of :func:`format_paper` (without the ``network`` line), each with the node it writes:
    0 for the input, ``None`` for a ``branch`` or ``identity`` line."""
    from .graph import Merge, Side, structure

    lines: list[tuple[str, int | None]] = [(K.KINDS["input"].text(network.nodes[0].args), 0)]

    def write(seq: list[Any], indent: str) -> None:
        for pos, item in enumerate(seq):
            if isinstance(item, Side):
                lines.append((f"{indent}output {item.name}", None))
                write(item.items, indent + "  ")
                continue
            if isinstance(item, Merge):
                node = network.nodes[item.index]
                lines.append((indent + K.KINDS[node.kind].text(node.args), item.index))
                for branch in item.branches:
                    if branch is None:
                        lines.append((indent + "  identity", None))
                    else:
                        lines.append((indent + "  branch", None))
                        write(branch, indent + "    ")
                continue
            node = network.nodes[item]
            kind = K.KINDS[node.kind]
            text = kind.text(node.args)
            nxt = seq[pos + 1] if pos + 1 < len(seq) else None
            if (kind.fused_activation and isinstance(nxt, int)
                    and network.nodes[nxt].kind in ("activation", "batchnorm") and "activation=" not in text):
                # The VGG rule would fold the next line in, or make this layer linear: say it outright.
                text += f" activation={node.args['activation'] or 'none'}"
            lines.append((indent + text, item))

    try:
        seq = structure(network)
    except SpecError:  # branches that do not nest, or side outputs: one line per layer, with labels
        return _flat_lines(network)
    write(seq, "")
    return lines


def _flat_lines(network: Network) -> list[tuple[str, int | None]]:
    """Any network, one line per node in order: a layer that does not read the line before says
    ``from tN``, and node N is written ``as tN`` (ConvNeXt's and NASNet's cells, side outputs)."""
    nodes = network.nodes
    used = {p for i, n in enumerate(nodes) for p in n.inputs if p != i - 1}

    def label(i: int) -> str:
        return f" as t{i}" if i in used else ""

    lines: list[tuple[str, int | None]] = [(K.KINDS["input"].text(nodes[0].args) + label(0), 0)]
    for i, node in enumerate(nodes[1:], start=1):
        kind = K.KINDS[node.kind]
        text = kind.text(node.args)
        if kind.fused_activation and "activation=" not in text:
            text += f" activation={node.args['activation'] or 'none'}"  # never folded into by the next line
        if kind.inputs == 1:
            frm = f" from t{node.inputs[0]}" if node.inputs[0] != i - 1 else ""
            lines.append((text + frm + label(i), i))
            continue
        lines.append((text + label(i), i))
        lines += [("  identity" + (f" from t{p}" if p != i - 1 else ""), None) for p in node.inputs]
    return lines
