"""The patient's survey page: plain, accessible HTML from Jinja2 with autoescaping (answers and
questions are text, never markup), and the pages that say a link cannot be used."""

from collections.abc import Mapping

import jinja2

from prm.domain.surveys.invitations import Invitation
from prm.domain.surveys.model import SCALES, QuestionKind

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)

_PAGE = _ENVIRONMENT.from_string(
    """<!doctype html>
<html lang="{{ language }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
fieldset{border:1px solid #ccc;border-radius:.5rem;margin:1rem 0;padding:1rem}legend{font-weight:600}
label{display:inline-block;margin:.25rem .75rem .25rem 0}.error{color:#a00}
button{font-size:1rem;padding:.5rem 1.5rem}</style>
</head>
<body>
<h1>{{ title }}</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if questions %}
<form method="post">
{% for q in questions %}
<fieldset><legend>{{ q.text }}{% if q.required %} *{% endif %}</legend>
{% if q.choices %}{% for value in q.choices %}
<label><input type="{{ q.input }}" name="{{ q.id }}" value="{{ value }}"
 {%- if q.required and q.input == 'radio' %} required{% endif %}> {{ value }}</label>
{% endfor %}{% else %}
<textarea name="{{ q.id }}" rows="4" cols="50" maxlength="2000"{% if q.required %} required{% endif %}></textarea>
{% endif %}</fieldset>
{% endfor %}
<button type="submit">Send</button>
</form>
{% endif %}
{% if message %}<p>{{ message }}</p>{% endif %}
</body>
</html>
"""
)


def survey_page(invitation: Invitation, error: str | None = None) -> str:
    """The form for ``invitation``'s questions (in the language it was sent in)."""
    questions = []
    for q in invitation.questions:
        if q.kind in SCALES:
            low, high = SCALES[q.kind]
            choices, kind = [str(n) for n in range(low, high + 1)], "radio"
        elif q.kind is QuestionKind.SINGLE_CHOICE:
            choices, kind = list(q.options), "radio"
        elif q.kind is QuestionKind.MULTIPLE_CHOICE:
            choices, kind = list(q.options), "checkbox"
        else:
            choices, kind = [], "text"
        questions.append({"id": q.id, "text": q.text, "required": q.required, "choices": choices, "input": kind})
    return _PAGE.render(
        language=invitation.language, title=invitation.title, questions=questions, error=error, message=None
    )


def message_page(title: str, message: str) -> str:
    """A page with a sentence and no form (thanks, an expired or unknown link)."""
    return _PAGE.render(language="en", title=title, questions=[], error=None, message=message)


def form_answers(pairs: list[tuple[str, str]]) -> Mapping[str, object]:
    """A posted form as answers: a name posted once is a value, several times a list."""
    answers: dict[str, object] = {}
    for name, value in pairs:
        if name in answers:
            previous = answers[name]
            answers[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            answers[name] = value
    return answers
