"""The corpus of model code (tests/corpus/keras/): each file run with real Keras and read by archcalc,
compared layer by layer (kind, parameters, trainable, non-trainable, output shapes) and in total."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("keras")

from keras_reference import compare, options

from archcalc.analysis import analyze_network
from archcalc.keras_code import parse_keras

CORPUS = Path(__file__).parent / "corpus" / "keras"
FILES = sorted(CORPUS.glob("*.py"))


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_agrees_with_keras(path: Path) -> None:
    text = path.read_text()
    assert compare(text, path.name, **options(text)) == []


@pytest.mark.parametrize(("name", "params", "output"), [
    ("seq_add_loop", 347_082, (10,)),            # the issue's loop: one layer per round
    ("vgg_block_seed004", 2_325_568, (32, 32, 256)),
    ("mnist_cnn_defines", 1_199_882, (10,)),      # seed 003 with --define
])
def test_the_issues_examples(name: str, params: int, output: tuple[int, ...]) -> None:
    text = (CORPUS / f"{name}.py").read_text()
    (network,) = parse_keras(text, name, **options(text))
    analysis = analyze_network(network)
    assert (analysis.totals.params, analysis.rows[-1].output_shape) == (params, output)
