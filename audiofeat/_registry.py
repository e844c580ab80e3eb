"""The capability registry: what each public function supports, declared once where it is defined.

Every public function of the functional core is decorated with :func:`capabilities`, which records what it
supports (numpy, torch on CPU and CUDA, autograd, ``torch.compile``, leading batch axes) and which librosa
function it mirrors. Two things read the table:

* the test suite, which parametrises over it (parity with librosa, numpy = torch, batch = loop over items,
  dtype kept, gradients, compiled = eager) and fails when a public function is missing from it;
* the docstrings: each gets a one-line summary of its row, so the documentation cannot drift from the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

__all__ = ["Capabilities", "capabilities", "REGISTRY"]

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Capabilities:
    """What one public function supports."""

    name: str
    numpy: bool = True
    torch: bool = True
    cuda: bool = True
    autograd: bool = True
    compile: bool = True
    batch: bool = True
    librosa: str | None = None  # the librosa 0.11 function it mirrors, e.g. "librosa.feature.mfcc"
    note: str | None = None  # one more sentence for the docstring line

    def line(self) -> str:
        """The capability line written into the docstring."""
        parts = []
        if self.numpy:
            parts.append("numpy")
        if self.torch:
            parts.append("torch (CPU" + (", CUDA)" if self.cuda else ")"))
        if self.torch and self.autograd:
            parts.append("autograd")
        if self.torch and self.compile:
            parts.append("torch.compile")
        if self.batch:
            parts.append("leading batch axes")
        text = "Supports: " + ", ".join(parts) + "."
        if self.librosa:
            text += f" Mirrors ``{self.librosa}``."
        if self.note:
            text += " " + self.note
        return text


#: function name -> its capabilities, filled as the modules are imported
REGISTRY: dict[str, Capabilities] = {}


def capabilities(*, librosa: str | None = None, numpy: bool = True, torch: bool = True, cuda: bool | None = None,
                 autograd: bool | None = None, compile: bool | None = None, batch: bool = True,
                 note: str | None = None) -> Callable[[F], F]:
    """Register a public function's capabilities and add their line to its docstring.

    ``cuda``, ``autograd`` and ``compile`` default to ``torch``.
    """

    def decorate(fn: F) -> F:
        caps = Capabilities(
            name=fn.__name__, numpy=numpy, torch=torch,
            cuda=torch if cuda is None else cuda,
            autograd=torch if autograd is None else autograd,
            compile=torch if compile is None else compile,
            batch=batch, librosa=librosa, note=note,
        )
        key = f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"
        REGISTRY[key] = caps
        fn.__audiofeat_capabilities__ = caps  # type: ignore[attr-defined]
        fn.__doc__ = _insert_line(fn.__doc__ or "", caps.line())
        return fn

    return decorate


def _insert_line(doc: str, line: str) -> str:
    """Put ``line`` as its own paragraph after the docstring's summary paragraph."""
    import textwrap

    lines = doc.split("\n")
    indent = ""
    for text in lines[1:]:
        if text.strip():
            indent = text[: len(text) - len(text.lstrip())]
            break
    para = textwrap.fill(line, width=100, initial_indent=indent, subsequent_indent=indent).split("\n")
    for i, text in enumerate(lines):
        if i > 0 and not text.strip():
            return "\n".join(lines[:i] + [""] + para + lines[i:])
    return doc.rstrip() + "\n\n" + "\n".join(para) + "\n"
