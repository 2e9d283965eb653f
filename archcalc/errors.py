"""The one exception tree of archcalc, and how an error points at the text it came from.

Every error the library raises on purpose derives from :class:`ArchcalcError`. The CLI catches
that root alone, prints :meth:`ArchcalcError.render` and exits with :attr:`ArchcalcError.exit_code`;
anything else that escapes is a bug and is reported as one (exit code :data:`EXIT_INTERNAL`).

Exit codes (documented in the README and ``docs/cli.md``):

* ``0`` success,
* ``1`` a check failed (reserved for ``verify``/``check``: the input was fine, the answer was "no"),
* ``2`` bad input: the spec, an option or a file the user gave,
* ``70`` internal error (``EX_SOFTWARE`` of BSD ``sysexits.h``): a bug in archcalc.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70


@dataclass(frozen=True)
class Location:
    """Where something stands in a source text: 1-based line and column, and the line itself.

    Args:
        path: the file name as the user wrote it, or ``"<text>"`` for text given directly.
        line: 1-based line number.
        column: 1-based column of the first character pointed at.
        text: the whole source line, without its newline.
        length: how many characters the caret underline covers (at least 1).

    >>> loc = Location("net.txt", 3, 1, "conv3-64 strid=2", 8)
    >>> print(loc.excerpt())
     --> net.txt:3:1
      |
    3 | conv3-64 strid=2
      | ^^^^^^^^
    """

    path: str
    line: int
    column: int
    text: str
    length: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    def excerpt(self) -> str:
        """The location as a compiler prints it: position, the line, and a caret under the culprit."""
        gutter = " " * len(str(self.line))
        # Tabs would shift the caret: expand them the same way in the line and in the padding.
        text = self.text.expandtabs(4)
        col = len(self.text[: self.column - 1].expandtabs(4))
        return (
            f"{gutter}--> {self}\n"
            f"{gutter} |\n"
            f"{self.line} | {text}\n"
            f"{gutter} | {' ' * col}{'^' * max(1, self.length)}"
        )


class ArchcalcError(Exception):
    """Root of every error archcalc raises on purpose.

    Args:
        message: what is wrong, in one sentence, with the value received.
        location: where in the user's text, when the error comes from a text.
        hint: how to fix it ("did you mean `conv3-64`?").
        details: extra lines shown between the excerpt and the hint (e.g. the arithmetic).
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.details = tuple(details)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"

    def with_location(self, location: Location | None) -> ArchcalcError:
        """Return this error, given a location if it had none (the analysis knows layers, not text)."""
        if self.location is None and location is not None:
            self.location = location
        return self

    def render(self) -> str:
        """The full message for a terminal: error line, excerpt, details and hint.

        >>> e = SpecError("unknown layer kind `cnv3`", location=Location("a.txt", 2, 1, "cnv3-64", 4),
        ...               hint="did you mean `conv3-64`?")
        >>> print(e.render())
        error: unknown layer kind `cnv3`
         --> a.txt:2:1
          |
        2 | cnv3-64
          | ^^^^
        hint: did you mean `conv3-64`?
        """
        parts = [f"error: {self.message}"]
        if self.location is not None:
            parts.append(self.location.excerpt())
        parts.extend(f"  {line}" for line in self.details)
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class SpecError(ArchcalcError):
    """The spec text is wrong: unknown kind, bad option, bad size, missing input shape."""


class ShapeError(ArchcalcError):
    """The spec reads fine but a layer cannot be applied to what reaches it (map below 1x1, ...)."""


class SourceError(ArchcalcError):
    """The spec cannot be read at all: missing, unreadable, binary or empty file, unknown bundled name."""


class UsageError(ArchcalcError):
    """A command-line option has a bad value (``--dtype float33``, ``--fit-memory 12XB``)."""


class DependencyError(ArchcalcError):
    """An optional dependency is not installed (TensorFlow for verify/export/import, matplotlib for plots)."""


class KerasError(ArchcalcError):
    """Keras refused something: a model file it cannot load, a layer archcalc cannot express, a layer
    Keras will not build with the given options."""


class OutputError(ArchcalcError):
    """A file cannot be written: missing folder, a folder in its place, permission denied, or a file
    that exists and ``--force`` was not given."""
