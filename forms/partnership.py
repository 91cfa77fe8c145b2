"""Forms of the partnership area: a member municipality's approval of a stage's document, and
the leader's upload of a version of the partnership agreement or of a council resolution."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField, ValidationError
from wtforms.validators import InputRequired, Length

from forms import RowIdField
from forms.advice import ChoiceField, PolishDateField
from workflow.models import RecordKind

TITLE_MAX, NUMBER_MAX = 200, 40


class ApprovalForm(FlaskForm):
    """The version the member saw: approving a newer one it has not seen is refused."""

    document_id = RowIdField(validators=[InputRequired()])
    submit = SubmitField(_l("Zatwierdzam tę wersję w imieniu mojej gminy"))


def record_kinds() -> list[tuple[str, Any]]:
    return [(RecordKind.AGREEMENT.value, _l("Umowa (porozumienie) partnerska")),
            (RecordKind.RESOLUTION.value, _l("Uchwała Rady Partnerstwa"))]


class RecordForm(FlaskForm):
    kind = ChoiceField(_l("Rodzaj dokumentu"), choices=[],
                       message=_l("Wybierz umowę partnerską albo uchwałę Rady Partnerstwa."))
    number = StringField(
        _l("Numer uchwały"),
        validators=[Length(max=NUMBER_MAX, message=_l("Numer może mieć najwyżej %(max)d znaków."))])
    title = StringField(
        _l("Tytuł"),
        validators=[InputRequired(_l("Podaj tytuł dokumentu, np. „w sprawie przyjęcia planu pracy”.")),
                    Length(max=TITLE_MAX, message=_l("Tytuł może mieć najwyżej %(max)d znaków."))])
    adopted_on = PolishDateField(_l("Data przyjęcia (RRRR-MM-DD)"))
    document = FileField(_l("Plik (PDF, DOCX, ODT, XLSX lub ODS)"),
                         validators=[FileRequired(_l("Wybierz plik do wysłania."))])
    submit = SubmitField(_l("Dodaj dokument partnerstwa"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = record_kinds()

    def validate_kind(self, field: ChoiceField) -> None:
        if not field.data:
            raise ValidationError(_l("Wybierz umowę partnerską albo uchwałę Rady Partnerstwa."))

    def validate_number(self, field: StringField) -> None:
        if self.kind.data == RecordKind.RESOLUTION.value and not (field.data or "").strip():
            raise ValidationError(_l("Podaj numer uchwały, np. 3/2021. Nowa wersja uchwały ma ten "
                                     "sam numer."))
