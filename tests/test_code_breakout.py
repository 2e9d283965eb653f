"""Nothing from the input runs: code that would write a file, import a module or reach Python's
internals if it were executed leaves no trace, and is either read as model code or refused cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from archcalc.errors import ArchcalcError
from archcalc.keras_code import parse_keras

MODEL = "\nmodel = Sequential([Input((8,)), Dense(2)])\n"


def attempts(marker: Path) -> list[str]:
    """Ways to run something; each would create ``marker`` if executed."""
    m = str(marker)
    return [
        f"open({m!r}, 'w').write('x')",
        f"__import__('os').system('touch {m}')",
        f"import os\nos.system('touch {m}')",
        f"from os import system\nsystem('touch {m}')",
        f"import pathlib\npathlib.Path({m!r}).touch()",
        f"exec(\"open({m!r}, 'w')\")",
        f"eval(\"__import__('os').system('touch {m}')\")",
        f"compile('x', 'y', 'exec')\nopen({m!r}, 'w')",
        f"getattr(__builtins__, 'open')({m!r}, 'w')",
        f"().__class__.__base__.__subclasses__()[0]({m!r})",
        f"(lambda: 0).__globals__['__builtins__']['open']({m!r}, 'w')",
        f"'{{0.__class__.__init__.__globals__}}'.format(open({m!r}, 'w'))",
        f"x = '{{0.__class__}}'.format(1)\nopen({m!r}, 'w')",
        f"@__import__('os').system\ndef f():\n    pass\nopen({m!r}, 'w')",
        f"class M(type):\n    def __new__(c, *a):\n        return open({m!r}, 'w')\nclass C(metaclass=M):\n    pass",
        f"class A:\n    def __del__(self):\n        open({m!r}, 'w')\nA()",
        f"with open({m!r}, 'w') as f:\n    f.write('x')",
        f"import subprocess\nsubprocess.run(['touch', {m!r}])",
        f"import shutil\nshutil.copy(__file__, {m!r})",
        f"tf.io.write_file({m!r}, 'x')",
        f"np.save({m!r}, [1])",
        f"model = Sequential([Input((8,)), Dense(2)])\nmodel.save({m!r})",
        f"try:\n    raise ValueError\nexcept ValueError:\n    open({m!r}, 'w')",
        f"def f():\n    yield open({m!r}, 'w')\nlist(f())",
        f"[open({m!r}, 'w') for _ in range(1)]",
        f"x = {{open({m!r}, 'w'): 1}}",
        f"print(open({m!r}, 'w'))",
        f"sys.modules['os'].system('touch {m}')",
    ]


def test_nothing_from_the_input_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    before = set(sys.modules)
    for attempt in attempts(marker):
        try:
            parse_keras(attempt + MODEL, "evil.py")
        except ArchcalcError:
            pass  # a clean refusal is fine; running it is not
        assert not marker.exists(), attempt
    assert {m for m in set(sys.modules) - before if m.split(".")[0] in ("subprocess", "shutil", "pathlib",
                                                                          "tensorflow", "numpy", "keras")} == set()


def test_the_evaluator_has_no_path_to_python_objects(tmp_path: Path) -> None:
    """Attribute access on plain values goes through a fixed table: dunders are refused."""
    for code in ("x = (1).__class__", "x = 'a'.__class__.__mro__", "x = [].__class__", "x = {}.__init__"):
        with pytest.raises(ArchcalcError) as e:
            parse_keras(code + MODEL, "evil.py")
        assert "archcalc does not know the attribute" in e.value.message


def test_a_model_around_hostile_code_is_still_read(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    code = f"import os\nos.system('touch {marker}')\nopen({str(marker)!r}, 'w')" + MODEL
    (network,) = parse_keras(code, "evil.py")
    assert [n.kind for n in network.nodes] == ["input", "dense"] and not marker.exists()
