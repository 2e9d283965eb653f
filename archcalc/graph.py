"""The nested structure of a branching network: which layers form the branches of which merge.

The spec language writes a merge as an indented block of branches; a parsed :class:`Network` only
keeps each node's parents. :func:`structure` recovers the nesting from the parents, so that a
network built anywhere (read from Keras, say) can be written back in the notation
(:func:`archcalc.paper.format_paper`) and drawn with its branches.

The branches of a merge start where the network split: the merge's *immediate dominator*, the
last node that every path from the input to the merge goes through. A network whose merges do not
nest that way (a layer shared by two branches of different merges) has no such writing.

>>> from archcalc.paper import parse_paper
>>> net = parse_paper("input 8x8x4\\nconv3-4\\nadd\\n  identity\\n  branch\\n    conv3-4\\n    bn\\nrelu")[0]
>>> structure(net)
[1, Merge(index=4, branches=[None, [2, 3]]), 5]
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SpecError
from .network import Network


@dataclass
class Merge:
    """A merge node and its branches, each a sequence (``None``: the split point itself, an identity).

    Attributes:
        index: the merge's node index.
        branches: one per parent, in the parent order.
    """

    index: int
    branches: list[list[int | Merge] | None]


@dataclass
class Side:
    """A side output (an auxiliary classifier): a sequence that starts after the node before it and
    ends as an extra output of the network (``output NAME`` in the notation).

    Attributes:
        name: its name in the notation.
        items: its layers, merges nested as in the main chain.
    """

    name: str
    items: list[int | Merge | Side]


Sequence = list[int | Merge | Side]


def dominators(network: Network) -> list[int]:
    """The immediate dominator of every node (node 0, the input, is its own).

    Nodes are in topological order, so one pass suffices: a node's dominator is the nearest common
    dominator of its parents (Cooper, Harvey & Kennedy's intersection, on a DAG).

    >>> from archcalc.paper import parse_paper
    >>> dominators(parse_paper("input 8x8x4\\nconv3-4\\nadd\\n  identity\\n  branch\\n    conv3-4")[0])
    [0, 0, 1, 1]
    """
    idom = [0] * len(network.nodes)
    for i, node in enumerate(network.nodes[1:], start=1):
        parents = list(node.inputs)
        d = parents[0]
        for p in parents[1:]:
            a, b = d, p
            while a != b:  # climb the deeper one: a dominator always has a smaller index
                if a > b:
                    a = idom[a]
                else:
                    b = idom[b]
            d = a
        idom[i] = d
    return idom


def structure(network: Network) -> Sequence:
    """The layers from the input to the last node, merges nested with their branches.

    Raises:
        SpecError: the network does not nest (some layer would belong to two branches), or some
            layer does not lead to the output.
    """
    idom = dominators(network)
    seen: set[int] = set()

    def path(src: int, dst: int) -> Sequence:
        out: Sequence = []
        while dst != src:
            if dst in seen:
                raise SpecError(f"layer {dst} belongs to two branches: the network does not nest as "
                                "`add`/`concat` blocks", hint="archcalc writes networks whose branches split and "
                                "merge like ResNet's and Inception's")
            seen.add(dst)
            node = network.nodes[dst]
            if len(node.inputs) == 1:
                out.append(dst)
                dst = node.inputs[0]
            else:
                split = idom[dst]
                out.append(Merge(dst, [None if p == split else path(split, p) for p in node.inputs]))
                dst = split
        out.reverse()
        return out

    last = len(network.nodes) - 1
    result = path(0, last)
    # Side outputs: each other sink, back to where it leaves the rest (its immediate dominator).
    sides = []
    main = {0, *seen}
    for k, sink in enumerate([o for o in network.outputs if o != last], start=1):
        split = idom[sink]
        while split not in main:  # climb to where the side output leaves the main network
            split = idom[split]
        items = path(split, sink)
        first = order(items)[0]
        named = [s[len("output "):] for s in network.nodes[first].scope if s.startswith("output ")]
        sides.append((split, Side(named[-1] if named else f"aux{k}", items)))
    for split, side in sides:
        if not _insert_after(result, split, side):
            raise SpecError("a side output leaves the network inside another side output",
                            hint="archcalc writes side outputs that branch off the main chain")
    if len(seen) != len(network.nodes) - 1:
        lost = sorted(set(range(1, len(network.nodes))) - seen)
        raise SpecError(f"{len(lost)} layer(s) do not lead to the output (first: layer {lost[0]})",
                        hint="archcalc analyses one-output networks: every layer must feed the last one")
    return result


def _insert_after(seq: Sequence, split: int, side: Side) -> bool:
    """Put ``side`` right after node ``split`` wherever it stands in ``seq`` (0: at the start)."""
    if split == 0:
        seq.insert(0, side)
        return True
    for pos, item in enumerate(seq):
        if item == split or (isinstance(item, Merge) and item.index == split):
            seq.insert(pos + 1, side)
            return True
        if isinstance(item, Merge) and any(_insert_after(b, split, side) for b in item.branches if b):
            return True
        if isinstance(item, Side) and _insert_after(item.items, split, side):
            return True
    return False


def order(seq: Sequence) -> list[int]:
    """The node indices of a structure in the order the spec language writes (and the parser
    numbers) them: each branch in turn, then its merge.

    >>> order([1, Merge(5, [None, [3, 4], [2]]), 6])
    [1, 3, 4, 2, 5, 6]
    """
    out: list[int] = []
    for item in seq:
        if isinstance(item, Side):
            out.extend(order(item.items))
        elif isinstance(item, Merge):
            for branch in item.branches:
                out.extend(order(branch or []))
            out.append(item.index)
        else:
            out.append(item)
    return out


def branch_scopes(seq: Sequence, scope: tuple[str, ...] = ()) -> dict[int, tuple[str, ...]]:
    """``branch 1``, ``branch 2``... for the layers of each branch, nested as the merges are: the
    table's headings for a network that came without any (read from Keras).

    >>> branch_scopes([1, Merge(4, [None, [2, Merge(3, [None, [5]])]])])
    {1: (), 2: ('branch 2',), 5: ('branch 2', 'branch 2'), 3: ('branch 2',), 4: ()}
    """
    out: dict[int, tuple[str, ...]] = {}
    for item in seq:
        if isinstance(item, Side):
            out.update(branch_scopes(item.items, (*scope, f"output {item.name}")))
        elif isinstance(item, Merge):
            for k, branch in enumerate(item.branches, 1):
                out.update(branch_scopes(branch or [], (*scope, f"branch {k}")))
            out[item.index] = scope
        else:
            out[item] = scope
    return out


def canonical(network: Network) -> tuple[Network, list[int]]:
    """The network renumbered in the order its spec text would give, and the old index of each
    new node (0 first). A chain, or a network parsed from a spec, comes back unchanged; a network
    without scopes (read from Keras) gets ``branch N`` scopes for its branches. A network whose
    branches do not nest (or that has side outputs) comes back unchanged."""
    from dataclasses import replace

    try:
        seq = structure(network)
    except SpecError:  # written one line per layer (paper.py's flat writing): keep the order
        return network, list(range(len(network.nodes)))
    old = [0, *order(seq)]
    new_of = {o: n for n, o in enumerate(old)}
    labels = branch_scopes(seq) if not any(n.scope for n in network.nodes) else {}
    nodes = [replace(network.nodes[o], inputs=tuple(new_of[p] for p in network.nodes[o].inputs),
                     scope=labels.get(o, network.nodes[o].scope)) for o in old]
    return replace(network, nodes=nodes), old
