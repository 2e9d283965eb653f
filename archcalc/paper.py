"""The paper notation: one layer a line, as in the VGG paper's Table 1 and course notes.

Grammar (docs/spec-language.md has every kind with an example)::

    file     := line*
    line     := [statement] ['#' comment]
    statement:= 'network' NAME
              | WORD[SIZES] [ARG...] [KEY=VALUE...] [xN]

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

import re
from typing import Any

from . import kinds as K
from .errors import Location, SpecError
from .network import Network, Node
from .values import BadValue

_WORD = re.compile(r"([a-z][a-z_]*(?:-[a-z][a-z_]*)*)(.*)", re.S)
_REPEAT = re.compile(r"[x×*](\d+)")
_OPTION = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*=\s*(.*)")


def _did_you_mean(word: str, rest: str) -> str:
    import difflib  # only on the error path

    close = difflib.get_close_matches(word, list(K.WORDS), n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}{rest}`?"
    examples = "conv3-64, maxpool, FC-4096, soft-max, batchnorm, dropout 0.5, flatten"
    return f"a layer is one of: {examples} (docs/spec-language.md lists them all)"


class _Line:
    """One statement's tokens, with the column of each, for error messages."""

    def __init__(self, path: str, number: int, text: str) -> None:
        self.path, self.number, self.text = path, number, text
        code = text.split("#", 1)[0]
        # `stride = 2` is one option token, as `stride=2` is.
        self.tokens = [(m.group(), m.start() + 1) for m in re.finditer(r"[A-Za-z_]\w*\s*=\s*\S+|\S+", code)]

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
    if word not in K.WORDS:
        raise line.error(f"unknown layer kind `{first}`", col, len(first),
                         _did_you_mean(word, rest))
    kind_name, preset = K.WORDS[word]
    kind = K.KINDS[kind_name]

    repeat, options, positional = 1, [], [(rest.lstrip("-") if rest.startswith("-") else rest, col)]
    for token, tcol in line.tokens[1:]:
        if kind_name != "input" and (r := _REPEAT.fullmatch(token.lower())):
            repeat = int(r.group(1))
            if repeat > 100_000:
                raise line.error(f"a layer repeated {repeat:,} times is more than archcalc reads (100,000)",
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
            raise line.error(f"`{word}` has no option `{key}`", tcol, length,
                             f"did you mean `{close[0]}={value}`?" if close else f"its options are: {known}")
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
                source=line.text.split("#", 1)[0].strip())
    return node, repeat, "activation" in given


def _apply_activation_rule(read: list[tuple[Node, bool]]) -> list[Node]:
    """The VGG convention: fold a following activation line into a conv/FC, linear before BN.

    Args:
        read: the nodes as read, each with whether its `activation=` was written explicitly
            (an explicit choice is kept as it is, and the next line stays a layer of its own).
    """
    nodes = [n for n, _ in read]
    out: list[Node] = []
    i = 0
    while i < len(nodes):
        node, explicit = read[i]
        kind = K.KINDS[node.kind]
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if kind.fused_activation and not explicit and nxt:
            if nxt.kind == "activation":
                out.append(Node(node.kind, {**node.args, "activation": nxt.args["function"]}, (),
                                node.location, f"{node.source} + {nxt.source}"))
                i += 2
                continue
            if nxt.kind == "batchnorm":
                node = Node(node.kind, {**node.args, "activation": None}, (), node.location, node.source)
        out.append(node)
        i += 1
    return out


def _chain(name: str, nodes: list[Node], location: Location | None) -> Network:
    chained = [Node(n.kind, n.args, (i - 1,) if i else (), n.location, n.source)
               for i, n in enumerate(nodes)]
    return Network(name, chained, location, "paper")


def parse_paper(text: str, path: str = "<text>") -> list[Network]:
    """Read every network of a paper-notation text.

    Args:
        text: the spec.
        path: the file name to show in errors.

    Returns:
        The networks in the order written; a file without ``network`` lines holds one, named
        after the file.

    Raises:
        SpecError: with the file, line and column of the first problem.
    """
    default_name = re.sub(r"\.[A-Za-z0-9]+$", "", path.replace("\\", "/").rsplit("/", 1)[-1])
    networks: list[Network] = []
    name, header = default_name, None
    nodes: list[tuple[Node, bool]] = []  # the network being read

    def close() -> None:
        if header is not None and not nodes:
            raise SpecError(f"network `{name}` has no layers", location=header,
                            hint=f"add `input ...` and its layers after `network {name}`")
        if nodes:
            networks.append(_chain(name, _apply_activation_rule(nodes), header or nodes[0][0].location))

    for number, raw in enumerate(text.splitlines(), start=1):
        line = _Line(path, number, raw)
        if not line.tokens:
            continue
        first, col = line.tokens[0]
        if first.lower().rstrip(":") == "network":
            close()
            if len(line.tokens) < 2:
                raise line.error("`network` needs a name", col, len(first), "write e.g. `network vgg16`")
            name, header, nodes = line.tokens[1][0], line.loc(col), []
            # `--net` picks a network case-insensitively, so `a` and `A` could not both be reached.
            if any(n.name.lower() == name.lower() for n in networks):
                raise line.error(f"a second network named `{name}`", line.tokens[1][1], len(name),
                                 "give each network of a file its own name (names are compared ignoring case)")
            continue
        node, repeat, explicit = _parse_layer(line)
        if node.kind == "input":
            if nodes:
                raise line.error("a second `input` line in the same network", col, len(first),
                                 "start another network with `network NAME` first")
        elif not nodes:
            raise line.error(f"`{node.source}` comes before the input shape", col, len(first),
                             "start the network with its input, e.g. `input 224x224x3`")
        nodes.extend([(node, explicit)] * repeat)
    close()
    if not networks:
        raise SpecError(f"{path} holds no layers (only blank lines and comments)",
                        hint="a spec starts with `input 224x224x3` followed by one layer a line")
    return networks


def format_paper(network: Network, *, header: bool = True) -> str:
    """Write a network back in the paper notation, every non-default option spelled out.

    ``parse_paper(format_paper(net))`` gives the same nodes (tests/test_roundtrip.py); for a
    network read from Keras code this is its translation into the paper notation.
    """
    lines = [f"network {network.name}"] if header else []
    for i, node in enumerate(network.nodes):
        kind = K.KINDS[node.kind]
        text = kind.text(node.args)
        nxt = network.nodes[i + 1] if i + 1 < len(network.nodes) else None
        if (kind.fused_activation and nxt is not None and nxt.kind in ("activation", "batchnorm")
                and "activation=" not in text):
            # The VGG rule would fold the next line in, or make this layer linear: say it outright.
            text += f" activation={node.args['activation'] or 'none'}"
        lines.append(text)
    return "\n".join(lines) + "\n"
