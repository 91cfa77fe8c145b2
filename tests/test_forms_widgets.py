"""forms.LongSelect writes the same HTML as WTForms' Select: values and labels with every
character HTML cares about, selected or not, with attributes of their own or not."""

from __future__ import annotations

import random

from flask import Flask
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from forms import LongSelect

AWKWARD = ("Łobez", "a&b", '"quoted"', "<script>", "it's", "", " ", "Nowa Sól", "100%", "x\xa0y", "ż" * 40)


def choices(seed: int, n: int, groups: bool = False) -> list[SelectChoice]:
    rng = random.Random(seed)  # noqa: S311  (test data)
    out = [SelectChoice("", "– wszystkie –")]
    for i in range(n):
        label = rng.choice((*AWKWARD, None)) if i % 5 == 0 else rng.choice(AWKWARD) + str(i)
        value = rng.choice((str(i), i, rng.choice(AWKWARD), True, False))
        extra = {"data-x": "1", "disabled": i % 2 == 0} if i % 7 == 0 else {}
        out.append(SelectChoice(value, label, extra, optgroup=f"g{i // 50}" if groups else None))
    return out


def test_long_select_writes_what_select_writes(app: Flask):
    with app.test_request_context():
        for seed in range(6):
            offered = choices(seed, 300, groups=seed % 2 == 1)

            class One(Form):
                f = SelectField(choices=offered, validate_choice=False)

            class Many(Form):
                f = SelectMultipleField(choices=offered, validate_choice=False)

            for form, multiple in ((One(data={"f": "3"}), False), (One(), False),
                                   (Many(data={"f": ["3", "4", "Łobez7"]}), True)):
                assert LongSelect(multiple)(form.f) == Select(multiple)(form.f)
                assert LongSelect(multiple)(form.f, class_="wide", required=True) == \
                    Select(multiple)(form.f, class_="wide", required=True)


def test_the_report_filters_use_it(app: Flask):
    from forms.advice import ReportFilterForm
    assert isinstance(ReportFilterForm.town.field_class.widget, LongSelect)


def test_a_choice_field_writes_what_a_select_field_writes(app: Flask):
    """forms.advice.ChoiceField (LongSelect, no optgroups looked for) against WTForms' own."""
    from forms.advice import ChoiceField

    offered = [SelectChoice("", "– wszystkie –"),
               *(SelectChoice(str(i), f"Miasto {i} <&>") for i in range(200))]
    with app.test_request_context():
        class Ours(Form):
            f = ChoiceField(choices=offered)

        class Theirs(Form):
            f = SelectField(choices=offered, validate_choice=False)

        for data in ({"f": "7"}, {}, {"f": "nie ma"}):
            assert Ours(data=data).f() == Theirs(data=data).f()
