"""The template engine over Jinja2's sandbox (https://jinja.palletsprojects.com/en/stable/sandbox/).

- :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment`: no attribute or method starting with
  ``_`` (so no ``__class__``, ``__mro__``, ``__globals__``), no unsafe callables (``str.format``
  on internals, generator frames), no mutation of the values passed in;
- no globals (Jinja2's defaults ``range``, ``dict``, ``lipsum``, ``cycler``, ``joiner``,
  ``namespace`` are removed: a message needs none, and their ``repr`` names Python classes);
  no loader, so no ``{% include %}``, ``{% import %}`` or ``{% extends %}`` of files;
- :class:`~jinja2.StrictUndefined`: a missing variable fails the render instead of printing
  blank; ``{{ x | default('') }}`` and ``{% if x is defined %}`` still make one optional;
- no methods: an attribute whose value is callable is refused (``name.upper()`` is written
  ``name|upper``), and ``{{ ... }}`` prints only text, numbers and dates (``None`` prints
  nothing), so no ``repr`` with class names or addresses reaches a message;
- no autoescaping: bodies and subjects are text (SMS, WhatsApp, plain-text email);
- ``**``, ``*`` and ``%`` are intercepted (:meth:`_Sandbox.call_binop`) so that
  ``{{ 9 ** 99999 }}``, ``{{ 'x' * 10 ** 9 }}`` or ``{{ '%0999999999d' % 1 }}`` fail at once
  instead of eating the worker's CPU or memory; filters whose output size is an argument
  (``center``, ``indent``, ``wordwrap``, ``format``) are removed.

Used variables come from :func:`jinja2.meta.find_undeclared_variables`. Errors carry no value
of a variable and no Python internals: only names, line numbers and exception class names.
"""

import math
import re
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from prm.application.communications.template_ports import TemplateEngine
from prm.domain.communications.errors import TemplateRenderFailed
from prm.domain.communications.template_errors import TemplateSyntaxInvalid

MAX_NUMBER_BITS = 4096
"""The largest number ``**`` and ``*`` may build (about 1,200 digits)."""
MAX_REPEATED_LENGTH = 100_000
"""The longest string or list ``*`` may build (a body's own limit)."""
COMPILED_CACHE_SIZE = 512
_REMOVED_FILTERS = ("center", "indent", "wordwrap", "format", "pprint", "xmlattr", "urlize", "filesizeformat")
_UNDEFINED_NAME = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)' is undefined$")


_PRINTABLE = (str, int, float, Decimal, date, time, jinja2.Undefined)


def _printable(value: Any) -> Any:
    """What ``{{ ... }}`` may print: text, numbers and dates (``None`` prints nothing); anything
    else would print a Python ``repr``, with class names and addresses."""
    if value is None:
        return ""
    if isinstance(value, _PRINTABLE):
        return value
    raise SecurityError("only text, numbers and dates can be printed")


def _string(value: Any) -> str:
    """The ``string`` filter, for printable values only."""
    return str(_printable(value))


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"**", "*", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # No methods at all (``name.upper``, ``data.items``): filters do the same (``name|upper``),
        # and a method's repr names its object and address.
        return not callable(value) and super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if _bits_of_power(left, right) > MAX_NUMBER_BITS:
                raise SecurityError("the power is too large")
            return left**right
        if operator == "*":
            if _size_of_product(left, right) > MAX_REPEATED_LENGTH:
                raise SecurityError("the product is too large")
            return left * right
        if isinstance(left, str | bytes):  # printf-style formatting: its width is unbounded
            raise SecurityError("string formatting with % is not available")
        return left % right


def _bits_of_power(base: Any, exponent: Any) -> float:
    if _is_number(base) and _is_number(exponent) and abs(base) > 1:
        return float(exponent * math.log2(abs(base)))
    return 0.0


def _size_of_product(left: Any, right: Any) -> int:
    """Characters or items of a repeated string or list; for two integers, bits over
    :data:`MAX_NUMBER_BITS` count as past the limit."""
    if isinstance(left, int) and isinstance(right, int):
        bits = left.bit_length() + right.bit_length()
        return MAX_REPEATED_LENGTH + 1 if bits > MAX_NUMBER_BITS else 0
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int):
            return len(sequence) * count
    return 0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _environment() -> _Sandbox:
    environment = _Sandbox(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_printable
    )
    environment.globals.clear()
    environment.filters["string"] = _string
    for name in _REMOVED_FILTERS:
        environment.filters.pop(name, None)
    return environment


RENDERED_CACHE_SIZE = 4096
"""Renders remembered (by source and variables): a campaign renders one template for 100,000s of
patients, whose variables (a given name, the clinic) repeat."""


class JinjaTemplateEngine(TemplateEngine):
    """Jinja2 sandboxed, strict, text only; compiled templates are cached by source, and renders
    by source and variables: with no globals, a render is a function of the two alone (but for
    the ``random`` filter: a template that names it is rendered every time)."""

    def __init__(self) -> None:
        self._environment = _environment()
        self._compile = lru_cache(maxsize=COMPILED_CACHE_SIZE)(self._environment.from_string)
        self._remembered = lru_cache(maxsize=RENDERED_CACHE_SIZE)(self._render_items)

    def variables_used(self, source: str) -> set[str]:
        try:
            return set(meta.find_undeclared_variables(self._environment.parse(source)))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateSyntaxInvalid(f"the template does not parse, line {exc.lineno}: {exc.message}") from None

    def render(self, source: str, variables: Mapping[str, object]) -> str:
        if "random" not in source:
            try:
                items = frozenset(variables.items())
            except TypeError:  # a list or a mapping among the values: rendered every time
                pass
            else:
                return self._remembered(source, items)  # a failed render raises, and is not remembered
        return self._render(source, variables)

    def _render_items(self, source: str, items: frozenset[tuple[str, object]]) -> str:
        return self._render(source, dict(items))

    def _render(self, source: str, variables: Mapping[str, object]) -> str:
        try:
            template = self._compile(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateRenderFailed(f"the template does not parse (line {exc.lineno})") from None
        try:
            return template.render(dict(variables))
        except jinja2.UndefinedError as exc:
            missing = sorted(self.variables_used(source) - set(variables))
            if not missing and (found := _UNDEFINED_NAME.match(str(exc))):
                missing = [found[1]]
            if missing:
                raise TemplateRenderFailed(
                    f"missing template variables: {', '.join(missing)}", field="variables"
                ) from None
            raise TemplateRenderFailed("the template reads an attribute or item its variables do not have") from None
        except SecurityError:
            raise TemplateRenderFailed("the template tried an operation the sandbox does not allow") from None
        except Exception as exc:  # noqa: BLE001 - whatever a template's own expressions raise is a failed render
            raise TemplateRenderFailed(f"the template's expressions failed ({type(exc).__name__})") from None
