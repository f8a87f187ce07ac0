"""The shape of each integrity-file section: which fields it has and which lists of rows.

A section's `data` is a dict: one value per field key, and one list of row dicts per row-list key. Dates are
ISO strings, money a decimal string, flags booleans. Identity numbers of family members are never stored in
the clear: a row keeps `id_number_cipher` (core.crypto.encrypt), `id_number_index`
(core.crypto.blind_index of the normalised number) and `id_number_masked`, under the field key's prefix.

The income-and-property section's fields come from the rule `risks.file_income_fields`, so a unit's own
rules decide what is declared. The conflict check reads the family list and the businesses list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.risks.vocab import SectionKind

TEXT, LONG_TEXT, DATE, MONEY, NUMBER, CHOICE, FLAG, ID_NUMBER = (
    "text",
    "long_text",
    "date",
    "money",
    "number",
    "choice",
    "flag",
    "id_number",
)

RELATIONS = [
    ("spouse", pgettext_lazy("relation", "Spouse")),
    ("son", pgettext_lazy("relation", "Son")),
    ("daughter", pgettext_lazy("relation", "Daughter")),
    ("son_in_law", pgettext_lazy("relation", "Son-in-law")),
    ("daughter_in_law", pgettext_lazy("relation", "Daughter-in-law")),
    ("father", pgettext_lazy("relation", "Father")),
    ("mother", pgettext_lazy("relation", "Mother")),
    ("other", pgettext_lazy("relation", "Other relative")),
]


@dataclass(frozen=True)
class Field:
    key: str
    label: object
    kind: str = TEXT
    required: bool = False
    choices: tuple = ()


@dataclass(frozen=True)
class RowList:
    key: str
    label: object
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Section:
    kind: str
    fields: tuple[Field, ...] = ()
    lists: tuple[RowList, ...] = ()
    help: object = ""
    extra: dict = field(default_factory=dict)


RELATION = Field("relation", _("relation"), CHOICE, True, tuple(RELATIONS))

SECTIONS: dict[str, Section] = {
    SectionKind.BASICS: Section(
        SectionKind.BASICS,
        fields=(
            Field("post", _("post"), TEXT, True),
            Field("rank", _("rank"), TEXT),
            Field("post_since", _("in this post since"), DATE),
            Field("responsibilities", _("work in charge of"), LONG_TEXT),
            Field("political_status", _("political status"), TEXT),
            Field("joined_on", _("date joined the Party"), DATE),
        ),
        help=_("Filled in from the member register; correct what has changed."),
    ),
    SectionKind.FAMILY: Section(
        SectionKind.FAMILY,
        lists=(
            RowList(
                "members",
                _("family members"),
                (
                    RELATION,
                    Field("name", pgettext_lazy("person", "name"), TEXT, True),
                    Field("birth_date", _("date of birth"), DATE),
                    Field("id_number", _("identity number"), ID_NUMBER),
                    Field("political_status", _("political status"), TEXT),
                    Field("employer", _("employer"), TEXT),
                    Field("position", _("position"), TEXT),
                ),
            ),
        ),
        help=_("Spouse, children and their spouses, parents."),
    ),
    SectionKind.POSTS: Section(
        SectionKind.POSTS,
        lists=(
            RowList(
                "posts",
                _("posts held"),
                (
                    Field("start", _("from"), DATE, True),
                    Field("end", _("to"), DATE),
                    Field("unit", _("unit"), TEXT, True),
                    Field("post", _("post"), TEXT, True),
                ),
            ),
        ),
    ),
    SectionKind.PERSONAL_MATTERS: Section(
        SectionKind.PERSONAL_MATTERS,
        fields=(Field("other", _("other matters to report"), LONG_TEXT),),
        lists=(
            RowList(
                "marriage",
                _("changes in marriage"),
                (
                    Field("date", _("date"), DATE, True),
                    Field(
                        "change",
                        _("change"),
                        CHOICE,
                        True,
                        (("married", _("Married")), ("divorced", _("Divorced")), ("remarried", _("Remarried"))),
                    ),
                    Field("note", _("note"), TEXT),
                ),
            ),
            RowList(
                "passports",
                _("passports and travel permits"),
                (
                    Field(
                        "document",
                        _("document"),
                        CHOICE,
                        True,
                        (
                            ("passport", _("Ordinary passport")),
                            ("hk_macao", _("Permit to Hong Kong and Macao")),
                            ("taiwan", _("Permit to Taiwan")),
                        ),
                    ),
                    Field("number", pgettext_lazy("passport", "number"), TEXT, True),
                    Field("issued_on", pgettext_lazy("passport", "issued on"), DATE),
                    Field("kept_by", _("kept by"), TEXT),
                ),
            ),
            RowList(
                "trips",
                _("private travel abroad"),
                (
                    Field("destination", _("destination"), TEXT, True),
                    Field("start", _("from"), DATE, True),
                    Field("end", _("to"), DATE, True),
                    Field("reason", _("reason"), TEXT),
                    Field("approved_by", _("approved by"), TEXT),
                ),
            ),
            RowList(
                "emigration",
                _("family members who emigrated or live abroad"),
                (
                    RELATION,
                    Field("name", pgettext_lazy("person", "name"), TEXT, True),
                    Field("country", _("country or region"), TEXT, True),
                    Field(
                        "status",
                        _("status"),
                        CHOICE,
                        True,
                        (
                            ("emigrated", _("Emigrated")),
                            ("permanent_residence", _("Permanent residence abroad")),
                            ("living_abroad", _("Living abroad")),
                        ),
                    ),
                ),
            ),
            RowList(
                "businesses",
                _("businesses run by spouse and children"),
                (
                    RELATION,
                    Field("person", _("who"), TEXT, True),
                    Field("company", _("company name"), TEXT, True),
                    Field("credit_code", _("unified social credit code"), TEXT),
                    Field(
                        "role",
                        _("role"),
                        CHOICE,
                        True,
                        (
                            ("owner", _("Owner or shareholder")),
                            ("legal_representative", _("Legal representative")),
                            ("manager", _("Senior manager")),
                            ("employee", _("Employee")),
                        ),
                    ),
                    Field("scope", _("business scope"), TEXT),
                    Field("capital", _("registered capital (10,000 yuan)"), MONEY),
                    Field("share", _("share held (%)"), NUMBER),
                ),
            ),
        ),
        help=_("The matters the rules on reporting personal matters of leading cadres require."),
    ),
    SectionKind.INCOME_PROPERTY: Section(SectionKind.INCOME_PROPERTY, help=_("The items your unit's rules require.")),
    SectionKind.WEDDINGS_FUNERALS: Section(
        SectionKind.WEDDINGS_FUNERALS,
        lists=(
            RowList(
                "events",
                _("weddings and funerals held"),
                (
                    Field(
                        "occasion",
                        _("occasion"),
                        CHOICE,
                        True,
                        (("wedding", _("Wedding")), ("funeral", _("Funeral")), ("other", _("Other celebration"))),
                    ),
                    Field("date", _("date"), DATE, True),
                    Field("place", _("place"), TEXT),
                    Field("guests", _("number of guests"), NUMBER),
                    Field("gifts", _("gift money received (yuan)"), MONEY),
                    Field("reported", _("reported beforehand"), FLAG),
                    Field("note", _("note"), TEXT),
                ),
            ),
        ),
    ),
    SectionKind.GIFTS: Section(
        SectionKind.GIFTS,
        lists=(
            RowList(
                "gifts",
                _("gifts and cash refused or handed in"),
                (
                    Field("date", _("date"), DATE, True),
                    Field("giver", _("offered by"), TEXT, True),
                    Field("items", _("money or items"), TEXT, True),
                    Field("value", _("value (yuan)"), MONEY),
                    Field("handed_to", _("handed in to"), TEXT, True),
                    Field("note", _("note"), TEXT),
                ),
            ),
        ),
    ),
}


def income_fields(org_path: str = "") -> tuple[Field, ...]:
    """The income-and-property fields the unit's rule requires (rule risks.file_income_fields)."""
    from django.utils.translation import get_language

    from qinglian.core.rules import rule_value

    english = (get_language() or "").startswith("en")
    kinds = {"money": MONEY, "text": LONG_TEXT, "number": NUMBER, "date": DATE}
    return tuple(
        Field(item["key"], item["en"] if english else item["zh"], kinds.get(item.get("type"), TEXT))
        for item in rule_value("risks.file_income_fields", org_path=org_path)["fields"]
    )


def section_fields(kind: str, org_path: str = "") -> tuple[Field, ...]:
    """A section's single fields (the income section's from the unit's rule)."""
    if kind == SectionKind.INCOME_PROPERTY:
        return income_fields(org_path)
    return SECTIONS[kind].fields
