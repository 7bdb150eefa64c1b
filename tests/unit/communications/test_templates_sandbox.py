"""The Jinja2 template engine: strict variables, text output, and a sandbox that nothing gets out
of (Hypothesis drives expressions built from the classic escapes)."""

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prm.adapters.communications.jinja_templates import JinjaTemplateEngine
from prm.domain.communications.errors import TemplateRenderFailed
from prm.domain.communications.template_errors import TemplateSyntaxInvalid

engine = JinjaTemplateEngine()

_WATCHED = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "subprocess.Popen", "open", "socket.")
_seen: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _seen is not None and event.startswith(_WATCHED):
        _seen.append(event)


sys.addaudithook(_audit)
with contextlib.suppress(TemplateRenderFailed):  # Jinja2 imports its traceback helper on the first error
    engine.render("{{ ''.__class__ }}", {})


@contextmanager
def watching_the_process() -> Iterator[list[str]]:
    """Records the audit events (PEP 578) of running a program, opening a file or a socket."""
    global _seen
    _seen = []
    try:
        yield _seen
    finally:
        _seen = None


BASES = ["''", "()", "[]", "{}", "1", "name", "data", "self", "cycler", "joiner", "namespace", "lipsum", "range"]
NAMES = [
    "__class__",
    "__mro__",
    "__base__",
    "__subclasses__",
    "__init__",
    "__globals__",
    "__builtins__",
    "__dict__",
    "__getattribute__",
    "__import__",
    "_TemplateReference__context",
    "_module",
    "environment",
    "gi_frame",
    "f_globals",
    "func_globals",
    "os",
    "popen",
    "system",
    "eval",
    "format",
    "format_map",
    "mro",
    "items",
    "upper",
]
LEAKS = ("<class", "<module", "<function", "<built-in", "<bound", "<method", "<frame", "<code", "mappingproxy", "__")


def _step(name: str, how: int) -> str:
    return [f".{name}", f"[{name!r}]", f"|attr({name!r})", "()", "[0]", f".{name}()", f"|map(attribute={name!r})|list"][
        how
    ]


expressions = st.builds(
    lambda base, steps: base + "".join(_step(name, how) for name, how in steps),
    st.sampled_from(BASES),
    st.lists(st.tuples(st.sampled_from(NAMES), st.integers(0, 6)), min_size=1, max_size=6),
)
wrappers = st.sampled_from(
    ["{{ %s }}", "{%% set y = %s %%}{{ y }}", "{%% for i in %s %%}{{ i }}{%% endfor %%}", "{{ (%s)|string }}"]
)


@settings(max_examples=400, deadline=None)
@given(expressions, wrappers)
def test_no_expression_reaches_python_internals(expression: str, wrapper: str) -> None:
    source = wrapper % expression
    with watching_the_process() as seen:
        try:
            output = engine.render(source, {"name": "Ada", "data": {"key": "value"}})
        except TemplateRenderFailed as exc:
            output = exc.detail
    assert not seen
    assert not any(leak in output for leak in LEAKS), (source, output)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_renders_or_fails_cleanly(source: str) -> None:
    with watching_the_process() as seen:
        try:
            output = engine.render(source, {"name": "Ada"})
        except TemplateRenderFailed as exc:
            output = exc.detail
    assert not seen
    assert "<class" not in output or "<class" in source


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{{ ''|attr('__class__') }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ 9 ** 99999 }}",
        "{{ 'x' * 1000000000 }}",
        "{{ '%0999999999d' % 1 }}",
        "{{ 'a'|center(1000000000) }}",
        "{% include '/etc/passwd' %}",
        "{{ 1 / 0 }}",
    ],
)
def test_known_escapes_fail_to_render_without_leaking(source: str) -> None:
    with watching_the_process() as seen, pytest.raises(TemplateRenderFailed) as failed:
        engine.render(source, {})
    assert not seen
    assert not any(leak in failed.value.detail for leak in LEAKS)


def test_a_missing_variable_fails_naming_it_never_renders_blank() -> None:
    with pytest.raises(TemplateRenderFailed) as failed:
        engine.render("Hi {{ patient_name }}, see you {{ appointment_date }} with {{ doctor }}", {"doctor": "Dr Who"})
    assert failed.value.detail == "missing template variables: appointment_date, patient_name"
    assert failed.value.field == "variables"
    assert "Dr Who" not in failed.value.detail


def test_optional_variables_can_be_written_so() -> None:
    source = "Hi{% if name is defined and name %} {{ name }}{% endif %}, {{ place | default('here') }}"
    assert engine.render(source, {}) == "Hi, here"
    assert engine.render(source, {"name": "Ada", "place": "Leeds"}) == "Hi Ada, Leeds"


def test_text_is_not_html_escaped_and_values_are_not_templates() -> None:
    assert engine.render("{{ a }} & {{ b }}", {"a": "<b>Tom & Jerry</b>", "b": "{{ 7 * 7 }}"}) == (
        "<b>Tom & Jerry</b> & {{ 7 * 7 }}"
    )


def test_variables_used_are_the_ones_read_not_the_ones_set() -> None:
    source = "{% set greeting = 'Hi' %}{{ greeting }} {{ name }}{% for a in items %}{{ a }}{{ loop.index }}{% endfor %}"
    assert engine.variables_used(source) == {"name", "items"}


def test_a_syntax_error_is_refused_with_its_line() -> None:
    with pytest.raises(TemplateSyntaxInvalid) as refused:
        engine.variables_used("Hello\n{{ name ")
    assert "line 2" in refused.value.detail


def test_renders_are_remembered_by_source_and_variables_and_failures_are_not() -> None:
    fresh = JinjaTemplateEngine()
    source = "Hi {{ name }}, {{ when }}"
    assert fresh.render(source, {"name": "Ada", "when": "today"}) == "Hi Ada, today"
    assert fresh.render(source, {"name": "Bo", "when": "today"}) == "Hi Bo, today"
    assert fresh.render(source, {"when": "today", "name": "Ada"}) == "Hi Ada, today"  # the same, in any order
    assert fresh._remembered.cache_info().hits == 1
    with pytest.raises(TemplateRenderFailed):
        fresh.render(source, {"name": "Ada"})
    with pytest.raises(TemplateRenderFailed):  # failed again: a failure is never remembered as a body
        fresh.render(source, {"name": "Ada"})
    assert fresh.render("{% for x in xs %}{{ x }}{% endfor %}", {"xs": ["a", "b"]}) == "ab"  # a list: not remembered
    assert fresh.render("{{ [name] | random }}", {"name": "Ada"}) == "Ada"  # names random: rendered each time
    assert fresh._remembered.cache_info().currsize == 2
