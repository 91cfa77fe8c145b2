"""The shapes of the API, as marshmallow schemas: what each response holds and which query
parameters each operation takes. They are the single description of v1: the OpenAPI
document is generated from them (workflow/api/openapi.py), the query parameters are parsed
and checked with them (workflow/api/http.py), and the tests validate every response against
the document. Descriptions are Polish msgids (lazy), so the document and the reference page
exist in Polish and English.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from workflow.models import (
    Dimension,
    IndicatorType,
    MonitoringArea,
    Polarity,
    UnitKind,
    UnitLevel,
    ValueStatus,
)
from workflow.refusal import _l

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 5_000
MIN_YEAR_FILTER, MAX_YEAR_FILTER = 1900, 2100
UNIT_CODE = r"^\d{2}(\d{2}(\d{3})?)?$"
INDICATOR_CODE = r"^[a-z0-9_]{1,60}$"
GROUP_ID = r"^[a-z0-9_-]{1,80}$"
VALUES_CURSOR = r"^[a-z0-9_]{1,60}:\d{4}:\d{2,7}$"
AGGREGATES_CURSOR = r"^[a-z0-9_]{1,60}:\d{4}:[a-z0-9_-]{1,80}$"


def _values(enum: Any) -> list[str]:
    return [m.value for m in enum]


def described(text: Any, **more: Any) -> dict[str, Any]:
    return {"metadata": {"description": text, **more}}


def nullable_number(text: Any) -> fields.Float:
    return fields.Float(allow_none=True, required=True, **described(text))


# --- what responses hold ------------------------------------------------------------------------

class LinksSchema(Schema):
    self = fields.String(required=True, **described(_l("Adres tej strony odpowiedzi.")))
    next = fields.String(required=True, allow_none=True, **described(
        _l("Adres następnej strony; null na ostatniej. Pobieraj kolejne strony, aż go zabraknie.")))


class CreditSchema(Schema):
    credit = fields.String(required=True,
                           **described(_l("Źródło danych, które trzeba podać przy ich użyciu.")))
    licence = fields.String(required=True, **described(_l("Warunki ponownego wykorzystania danych.")))


class UnitSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(UNIT_CODE), **described(
        _l("Kod TERYT jednostki: 2 cyfry (województwo), 4 (powiat) albo 7 (gmina; ostatnia cyfra to jej "
           "rodzaj). Stały identyfikator jednostki.")))
    name = fields.String(required=True, **described(_l("Nazwa z rejestru TERYT.")))
    level = fields.String(required=True, validate=validate.OneOf(_values(UnitLevel)),
                          **described(_l("Szczebel jednostki.")))
    kind = fields.String(required=True, validate=validate.OneOf(_values(UnitKind)), **described(
        _l("Rodzaj: gmina miejska, wiejska, miejsko-wiejska; powiat ziemski albo miasto na prawach "
           "powiatu; województwo.")))
    parent = fields.String(required=True, allow_none=True, **described(
        _l("Kod TERYT jednostki nadrzędnej (powiatu gminy, województwa powiatu); null dla województwa.")))
    register_date = fields.Date(required=True,
                                **described(_l("Stan rejestru TERC, z którego pochodzi jednostka.")))


class UnitPageSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema), required=True)
    links = fields.Nested(LinksSchema, required=True)
    limit = fields.Integer(required=True, **described(_l("Największa liczba pozycji na stronie.")))


class UnitDetailSchema(UnitSchema):
    parents = fields.List(fields.Nested(UnitSchema), required=True, **described(
        _l("Jednostki nadrzędne: województwo, potem powiat.")))
    groups = fields.List(fields.String(), required=True, **described(
        _l("Identyfikatory grup porównawczych, do których należy jednostka.")))


class VariableSchema(Schema):
    code = fields.String(required=True, **described(_l("Stały kod zmiennej źródłowej.")))
    name_pl = fields.String(required=True, **described(_l("Nazwa po polsku.")))
    name_en = fields.String(required=True, **described(_l("Nazwa po angielsku.")))
    measure_unit = fields.String(required=True, **described(_l("Jednostka miary.")))
    source_label = fields.String(required=True, allow_none=True, **described(
        _l("Etykieta zmiennej w plikach wydawcy (BDL: „grupa;kategoria”).")))
    credit = fields.String(required=True, **described(_l("Źródło danych.")))


class VariableListSchema(Schema):
    items = fields.List(fields.Nested(VariableSchema), required=True)


class TermSchema(Schema):
    variable = fields.String(required=True, **described(_l("Kod zmiennej.")))
    coefficient = fields.Float(**described(_l("Współczynnik (domyślnie 1).")))
    year = fields.Integer(**described(
        _l("Stały rok (np. 2010 dla zmiany od 2010 r.); bez niego: rok liczony.")))


class FormulaSchema(Schema):
    numerator = fields.List(fields.Nested(TermSchema), required=True, **described(_l("Składniki licznika.")))
    denominator = fields.List(fields.Nested(TermSchema), required=True, **described(
        _l("Składniki mianownika; pusty: wartością jest licznik.")))
    scale = fields.Float(required=True, **described(_l("Mnożnik, np. 100 dla udziału w %.")))


class DefinitionSchema(Schema):
    indicator = fields.String(required=True, **described(_l("Kod wskaźnika.")))
    version = fields.Integer(required=True, **described(_l("Numer wersji definicji (od 1).")))
    name_pl = fields.String(required=True, **described(_l("Nazwa po polsku.")))
    name_en = fields.String(required=True, **described(_l("Nazwa po angielsku.")))
    description_pl = fields.String(required=True, **described(_l("Opis po polsku.")))
    description_en = fields.String(required=True, **described(_l("Opis po angielsku.")))
    area = fields.String(required=True, validate=validate.OneOf(_values(MonitoringArea)),
                         **described(_l("Obszar usług (albo finanse, demografia jako kontekst).")))
    type = fields.String(required=True, validate=validate.OneOf(_values(IndicatorType)),
                         **described(_l("Wskaźnik monitorujący albo kontekstowy.")))
    dimension = fields.String(required=True, validate=validate.OneOf(_values(Dimension)), **described(
        _l("Wymiar: ilość, jakość, dostępność, efektywność; „none” dla wskaźników kontekstowych.")))
    measure_unit_pl = fields.String(required=True, **described(_l("Jednostka po polsku.")))
    measure_unit_en = fields.String(required=True, **described(_l("Jednostka po angielsku.")))
    polarity = fields.String(required=True, validate=validate.OneOf(_values(Polarity)),
                             **described(_l("Czy lepsza jest wyższa wartość, niższa, czy żadna.")))
    decimals = fields.Integer(required=True, **described(_l("Liczba miejsc po przecinku do pokazania.")))
    formula = fields.Nested(FormulaSchema, required=True, **described(
        _l("Wzór: skala × Σ składników licznika / Σ składników mianownika.")))
    credit = fields.String(required=True, **described(_l("Źródło danych.")))
    licence = fields.String(required=True, **described(_l("Warunki ponownego wykorzystania danych.")))
    created_at = fields.DateTime(required=True, **described(_l("Kiedy wersja powstała (UTC).")))


class VersionRefSchema(Schema):
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class IndicatorSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(INDICATOR_CODE),
                         **described(_l("Stały kod wskaźnika.")))
    version = fields.Integer(required=True, **described(_l("Bieżąca (najnowsza) wersja.")))
    definition = fields.Nested(DefinitionSchema, required=True, **described(_l("Definicja bieżącej wersji.")))
    versions = fields.List(fields.Nested(VersionRefSchema), required=True, **described(
        _l("Wszystkie wersje, od najstarszej; wartości każdej można obliczyć ponownie.")))


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema), required=True)


class IndicatorDetailSchema(Schema):
    code = fields.String(required=True)
    version = fields.Integer(required=True, **described(_l("Bieżąca (najnowsza) wersja.")))
    versions = fields.List(fields.Nested(DefinitionSchema), required=True, **described(
        _l("Definicje wszystkich wersji, od najstarszej.")))


class RevisionSchema(Schema):
    variable = fields.String(required=True, **described(_l("Kod poprawionej zmiennej źródłowej.")))
    year = fields.Integer(required=True, **described(_l("Rok poprawionej zmiennej.")))
    previous_value = fields.Float(required=True, **described(_l("Wartość zmiennej przed korektą.")))
    note = fields.String(required=True, allow_none=True, **described(_l("Uzasadnienie korekty.")))
    corrected_at = fields.DateTime(required=True, **described(_l("Kiedy poprawiono (UTC).")))
    provenance = fields.Url(required=True, **described(
        _l("Strona, która pokazuje pochodzenie wartości i wszystkie jej wersje.")))


class ValueSchema(Schema):
    indicator = fields.String(required=True, **described(_l("Kod wskaźnika.")))
    version = fields.Integer(required=True,
                             **described(_l("Wersja definicji, według której policzono wartość.")))
    unit = fields.String(required=True, **described(_l("Kod TERYT jednostki.")))
    unit_name = fields.String(required=True, **described(_l("Nazwa jednostki.")))
    year = fields.Integer(required=True, **described(_l("Rok.")))
    value = fields.Float(required=True, **described(
        _l("Wartość, niezaokrąglona (definicja podaje, ile miejsc po przecinku pokazać).")))
    status = fields.String(required=True, validate=validate.OneOf(_values(ValueStatus)), **described(
        _l("Wstępna, jeśli którakolwiek zmienna jest wstępna; poprawiona, jeśli którąś poprawiono; "
           "inaczej ostateczna.")))
    revision = fields.Nested(RevisionSchema, **described(
        _l("Nota korekty: tylko przy wartości poprawionej po publikacji (najnowsza korekta jej zmiennych).")))


class ValuePageSchema(Schema):
    items = fields.List(fields.Nested(ValueSchema), required=True)
    links = fields.Nested(LinksSchema, required=True)
    limit = fields.Integer(required=True, **described(_l("Największa liczba pozycji na stronie.")))
    sources = fields.List(fields.Nested(CreditSchema), required=True, **described(
        _l("Źródła danych wskaźników tej odpowiedzi.")))


class GroupSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(GROUP_ID), **described(
        _l("Stały identyfikator grupy, np. all, voivodeship-12, powiat-1261, kind-urban, monitoring-cities, "
           "programme-rl-2020, list-…, similar-… (kod zapisanej grupy porównawczej).")))
    kind = fields.String(required=True, **described(
        _l("Rodzaj grupy: administrative (kraj, województwo, powiat), unit_kind (rodzaj gminy), "
           "programme (miasta programu), list (lista gmin), similar (gminy najbardziej podobne); "
           "mogą dojść następne.")))
    name_pl = fields.String(required=True, **described(_l("Nazwa po polsku.")))
    name_en = fields.String(required=True, **described(_l("Nazwa po angielsku.")))
    definition = fields.Dict(keys=fields.String(), required=True, **described(
        _l("Definicja, z której każdy odtworzy skład grupy: dla administrative {\"within\": \"PL\" albo kod "
           "TERYT województwa lub powiatu} (gminy, których kod zaczyna się od niego), dla unit_kind "
           "{\"kind\": \"urban\" | \"rural\" | \"urban_rural\"}, dla programme {\"programme\": kod}, "
           "dla list {\"units\": [kody]}, dla similar: gmina odniesienia, wskaźniki z wersjami i wagami, "
           "rok, liczba i metoda (zapisana definicja odtwarza skład).")))
    members = fields.Integer(required=True, allow_none=True, **described(
        _l("Liczba członków; null, gdy zależy od roku.")))


class GroupPageSchema(Schema):
    items = fields.List(fields.Nested(GroupSchema), required=True)
    links = fields.Nested(LinksSchema, required=True)
    limit = fields.Integer(required=True, **described(_l("Największa liczba pozycji na stronie.")))


class MemberSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class GroupDetailSchema(GroupSchema):
    units = fields.List(fields.Nested(MemberSchema), required=True, **described(_l("Członkowie grupy.")))


class AggregateSchema(Schema):
    indicator = fields.String(required=True, **described(_l("Kod wskaźnika.")))
    version = fields.Integer(required=True, **described(_l("Wersja definicji.")))
    group = fields.String(required=True, **described(_l("Identyfikator grupy.")))
    year = fields.Integer(required=True, **described(_l("Rok.")))
    value = nullable_number(_l("Wartość grupy: iloraz sum liczników i mianowników jednostek, które mają "
                               "wartość (bez mianownika: suma); null, gdy żadna jej nie ma."))
    count = fields.Integer(required=True, **described(_l("Liczba jednostek, które mają wartość.")))
    members = fields.Integer(required=True, **described(_l("Liczba członków grupy.")))
    min = nullable_number(_l("Najmniejsza wartość jednostki."))
    q1 = nullable_number(_l("Pierwszy kwartyl (interpolacja liniowa, jak percentile_cont)."))
    median = nullable_number(_l("Mediana."))
    q3 = nullable_number(_l("Trzeci kwartyl."))
    max = nullable_number(_l("Największa wartość jednostki."))


class AggregatePageSchema(Schema):
    items = fields.List(fields.Nested(AggregateSchema), required=True)
    links = fields.Nested(LinksSchema, required=True)
    limit = fields.Integer(required=True, **described(_l("Największa liczba pozycji na stronie.")))
    sources = fields.List(fields.Nested(CreditSchema), required=True, **described(
        _l("Źródła danych wskaźników tej odpowiedzi.")))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, **described(_l("Zawsze about:blank: znaczenie niesie status.")))
    title = fields.String(required=True, **described(_l("Krótki opis błędu w języku żądania.")))
    status = fields.Integer(required=True, **described(_l("Kod odpowiedzi HTTP.")))
    detail = fields.String(required=True, **described(_l("Co poprawić, w języku żądania.")))
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), **described(
        _l("Komunikaty dla poszczególnych parametrów.")))


class IndexSchema(Schema):
    name = fields.String(required=True)
    version = fields.String(required=True, **described(_l("Wersja API; w obrębie v1 nic nie znika ani nie "
                                                          "zmienia typu.")))
    links = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                        **described(_l("Adresy zasobów API.")))
    sources = fields.List(fields.Nested(CreditSchema), required=True)


# --- what queries may say ------------------------------------------------------------------------

class CommaList(fields.List):
    """A list given as comma-separated values, or the parameter repeated, or both."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        pieces = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
        return super()._deserialize(pieces, attr, data, **kwargs)


def limit_field() -> fields.Integer:
    return fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT), **described(
        _l("Największa liczba pozycji na stronie: od 1 do %(max)s, domyślnie %(default)s.",
           max=MAX_LIMIT, default=DEFAULT_LIMIT)))


def format_field(*formats: str) -> fields.String:
    return fields.String(load_default="json", validate=validate.OneOf(formats), **described(
        _l("Format odpowiedzi: %(formats)s.", formats=", ".join(formats))))


def year_list() -> CommaList:
    return CommaList(fields.Integer(validate=validate.Range(MIN_YEAR_FILTER, MAX_YEAR_FILTER)), **described(
        _l("Lata, oddzielone przecinkami, np. 2019 albo 2015,2019; bez tego parametru: wszystkie lata, "
           "dla których są dane.")))


def lang_field() -> fields.String:
    return fields.String(load_default="pl", validate=validate.OneOf(["pl", "en"]), **described(
        _l("Język etykiet w JSON-stat: pl albo en.")))



class UnitsQuery(Schema):
    level = fields.String(validate=validate.OneOf(_values(UnitLevel)),
                          **described(_l("Tylko jednostki tego szczebla.")))
    kind = fields.String(validate=validate.OneOf(_values(UnitKind)),
                         **described(_l("Tylko jednostki tego rodzaju.")))
    parent = fields.String(validate=validate.Regexp(UNIT_CODE), **described(
        _l("Tylko jednostki bezpośrednio podległe jednostce o tym kodzie TERYT.")))
    group = fields.String(validate=validate.Regexp(GROUP_ID), **described(_l("Tylko członkowie tej grupy.")))
    after = fields.String(validate=validate.Regexp(UNIT_CODE), **described(
        _l("Kursor: kod jednostki, po której zaczyna się strona (bierz go z odnośnika next).")))
    limit = limit_field()
    format = format_field("json", "csv")


class IndicatorsQuery(Schema):
    area = fields.String(validate=validate.OneOf(_values(MonitoringArea)),
                         **described(_l("Tylko wskaźniki tego obszaru.")))
    type = fields.String(validate=validate.OneOf(_values(IndicatorType)),
                         **described(_l("Tylko wskaźniki tego typu.")))
    format = format_field("json", "csv")


class ValuesQuery(Schema):
    indicator = CommaList(fields.String(validate=validate.Regexp(INDICATOR_CODE)), **described(
        _l("Kody wskaźników, oddzielone przecinkami; bez tego parametru: wszystkie.")))
    version = fields.Integer(validate=validate.Range(1, 100_000), **described(
        _l("Wersja definicji (tylko z jednym wskaźnikiem); bez niej: najnowsza.")))
    unit = CommaList(fields.String(validate=validate.Regexp(UNIT_CODE)), **described(
        _l("Kody TERYT jednostek, oddzielone przecinkami.")))
    group = fields.String(validate=validate.Regexp(GROUP_ID), **described(_l("Tylko członkowie tej grupy.")))
    level = fields.String(load_default=UnitLevel.GMINA.value, validate=validate.OneOf(_values(UnitLevel)),
                          **described(_l("Szczebel jednostek, domyślnie gmina.")))
    year = year_list()
    year_from = fields.Integer(validate=validate.Range(MIN_YEAR_FILTER, MAX_YEAR_FILTER),
                               **described(_l("Od tego roku włącznie.")))
    year_to = fields.Integer(validate=validate.Range(MIN_YEAR_FILTER, MAX_YEAR_FILTER),
                             **described(_l("Do tego roku włącznie.")))
    after = fields.String(validate=validate.Regexp(VALUES_CURSOR), **described(
        _l("Kursor „wskaźnik:rok:jednostka”: strona zaczyna się po tej pozycji "
           "(bierz go z odnośnika next).")))
    limit = limit_field()
    format = format_field("json", "csv", "jsonstat")
    lang = lang_field()


class GroupsQuery(Schema):
    kind = fields.String(validate=validate.OneOf(
        ["administrative", "unit_kind", "programme", "list", "similar"]),
                         **described(_l("Tylko grupy tego rodzaju.")))
    after = fields.String(validate=validate.Regexp(GROUP_ID), **described(
        _l("Kursor: identyfikator grupy, po której zaczyna się strona (bierz go z odnośnika next).")))
    limit = limit_field()
    format = format_field("json", "csv")


class AggregatesQuery(Schema):
    group = CommaList(fields.String(validate=validate.Regexp(GROUP_ID)), required=True,
                      validate=validate.Length(1, 500), **described(
                          _l("Identyfikatory grup, oddzielone przecinkami (od 1 do 500).")))
    indicator = CommaList(fields.String(validate=validate.Regexp(INDICATOR_CODE)), **described(
        _l("Kody wskaźników, oddzielone przecinkami; bez tego parametru: wszystkie.")))
    version = fields.Integer(validate=validate.Range(1, 100_000), **described(
        _l("Wersja definicji (tylko z jednym wskaźnikiem); bez niej: najnowsza.")))
    year = year_list()
    year_from = fields.Integer(validate=validate.Range(MIN_YEAR_FILTER, MAX_YEAR_FILTER),
                               **described(_l("Od tego roku włącznie.")))
    year_to = fields.Integer(validate=validate.Range(MIN_YEAR_FILTER, MAX_YEAR_FILTER),
                             **described(_l("Do tego roku włącznie.")))
    after = fields.String(validate=validate.Regexp(AGGREGATES_CURSOR), **described(
        _l("Kursor „wskaźnik:rok:grupa”: strona zaczyna się po tej pozycji (bierz go z odnośnika next).")))
    limit = limit_field()
    format = format_field("json", "csv", "jsonstat")
    lang = lang_field()


class FormatQuery(Schema):
    format = format_field("json", "csv")


class OpenAPIQuery(Schema):
    lang = fields.String(validate=validate.OneOf(["pl", "en"]), **described(
        _l("Język opisów: pl albo en; bez niego: język żądania.")))


class NoQuery(Schema):
    pass
