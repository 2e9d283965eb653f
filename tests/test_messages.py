"""Messages a new user meets, word for word: the obvious spellings are read, the others point at the
right one (issue 17). One table, one checker."""

from __future__ import annotations

import pytest

from archcalc import analyze
from archcalc.errors import SpecError
from archcalc.source import parse_text

#: Spellings that mean what they obviously mean: read exactly as the canonical line.
ACCEPTED = [
    ("conv3-64 x 2", "conv3-64 x2"),
    ("conv3-64 × 3", "conv3-64 x3"),
    ("maxpool2 stride 2", "maxpool2 stride=2"),
    ("maxpool3 stride 2", "maxpool3 stride=2"),
    ("conv3-64 stride = 2", "conv3-64 stride=2"),
    ("conv3-64 stride= 2 padding =valid", "conv3-64 stride=2 padding=valid"),
    ("conv3-64 activation none x 2", "conv3-64 activation=none x2"),
    # A decimal's fraction is not a size: Keras' EfficientNetV2M writes its dropout rates so.
    ("dropout 0.0035087719298245615", "dropout 0.0035087719298245615"),
]

#: Lines that are refused: (line, message, hint), word for word.
REFUSED = [
    ("max pool 2x2", "`max pool` is one word in the notation: `maxpool`", "write `maxpool`, without the space"),
    ("soft max", "`soft max` is one word in the notation: `softmax`", "write `softmax`, without the space"),
    ("conv3-64 padding_mode=reflect", "`conv` has no option `padding_mode`",
     "the nearest option is `padding=`, but padding must be `same`, `valid` or a number of pixels, got "
     "`reflect`; its options are: "),
    ("conv3-64 padding_mode=valid", "`conv` has no option `padding_mode`", "did you mean `padding=valid`?"),
    # Found by the fuzz campaign: a division by zero was an internal error (exit 70).
    ("rescale 1/0", "`rescale 1/0` divides by zero", "write e.g. `rescale 1/255`"),
    ("rescale 1e308/1e-308", "`rescale 1e308/1e-308` is not a finite number", "write e.g. `rescale 1/255`"),
]


def _rows(line: str) -> list[tuple]:
    a = analyze(f"input 32x32x3\n{line}\n")
    return [(r.kind, r.output_shape, r.params, r.name) for r in a.rows]


@pytest.mark.parametrize(("written", "canonical"), ACCEPTED)
def test_obvious_spellings_read_as_the_canonical_line(written: str, canonical: str) -> None:
    assert _rows(written) == _rows(canonical)


@pytest.mark.parametrize(("line", "message", "hint"), REFUSED)
def test_misleading_spellings_point_at_the_right_one(line: str, message: str, hint: str) -> None:
    with pytest.raises(SpecError) as e:
        parse_text(f"input 32x32x3\n{line}\n")
    assert e.value.message == message
    assert e.value.hint.startswith(hint), e.value.hint
    assert e.value.location is not None and e.value.location.line == 2


def test_a_suggested_fix_is_itself_valid() -> None:
    """Every `did you mean` of an unknown option reads without error when applied."""
    for line, _, hint in REFUSED:
        if hint.startswith("did you mean `"):
            fixed = hint[len("did you mean `"):].split("`")[0]
            parse_text(f"input 32x32x3\n{line.split()[0]} {fixed}\n")
