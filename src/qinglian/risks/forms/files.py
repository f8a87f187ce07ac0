"""Forms of integrity files: a section's content (its fields and its lists of rows), the review steps, opening a
year's file and naming a reviewer.

A section's fields come from its shape (risks.sections), so its form is built from the shape rather than declared:
single fields are posted as `f-<key>`, rows as `<list>-<n>-<key>` with `<list>-<n>-DELETE` to remove one. The page
shows the rows on file and blank ones to fill in; "add a row" asks for one more (by htmx, or by posting the form
back without saving when scripts are off). Rows left wholly blank are dropped; the service checks the rest.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.risks.sections import CHOICE, DATE, FLAG, ID_NUMBER, LONG_TEXT, MONEY, NUMBER, Field, RowList
from qinglian.risks.services.files import FIRST_YEAR
from qinglian.risks.services.section_data import Shape

ROW_KEY = re.compile(r"^([a-z_]+)-(\d{1,9})-([a-z_]+|DELETE)$")
BLANK_ROWS = 1


@dataclass
class Cell:
    field: Field
    name: str
    value: object
    errors: list = field(default_factory=list)

    @property
    def input(self) -> str:
        """How the page asks for it: text, long, date, money, number, choice, flag."""
        return {
            LONG_TEXT: "long",
            DATE: "date",
            MONEY: "money",
            NUMBER: "number",
            CHOICE: "choice",
            FLAG: "flag",
            ID_NUMBER: "id",
        }.get(self.field.kind, "text")


@dataclass
class Row:
    n: str
    cells: list[Cell]
    deleted: bool = False

    @property
    def errors(self) -> list:
        return [e for cell in self.cells for e in cell.errors]


@dataclass
class RowBlock:
    rows_of: RowList
    rows: list[Row]


def _shown(field: Field, source: dict):
    if field.kind == ID_NUMBER:
        return source.get(f"{field.key}_masked", "")
    return source.get(field.key, False if field.kind == FLAG else "")


def new_row(rows_of: RowList, n: str | None = None) -> Row:
    """A blank row; its number is random so that rows added by htmx never clash with those on the page."""
    n = n or str(secrets.randbelow(900_000_000) + 100_000_000)
    return Row(n, [Cell(f, f"{rows_of.key}-{n}-{f.key}", False if f.kind == FLAG else "") for f in rows_of.fields])


class SectionForm:
    """A section's content as the page shows and posts it."""

    def __init__(self, shape: Shape, *, stored: dict | None = None, data=None, version: int | None = None):
        self.shape = shape
        self.bound = data is not None
        self.version = version
        self.non_field_errors: list[str] = []
        self._kept: dict[str, list[Row]] = {}
        if self.bound:
            self._from_post(data)
        else:
            self._from_stored(stored or {})

    # --- building ----------------------------------------------------------------------------------------------

    def _from_stored(self, stored: dict) -> None:
        self.singles = [Cell(f, f"f-{f.key}", _shown(f, stored)) for f in self.shape.fields]
        self.blocks = []
        for rows_of in self.shape.lists:
            rows = []
            for n, source in enumerate(stored.get(rows_of.key) or [], start=1):
                rows.append(
                    Row(str(n), [Cell(f, f"{rows_of.key}-{n}-{f.key}", _shown(f, source)) for f in rows_of.fields])
                )
            rows += [new_row(rows_of, f"{len(rows) + i + 1}") for i in range(BLANK_ROWS)]
            self.blocks.append(RowBlock(rows_of, rows))

    def _from_post(self, data) -> None:
        self.singles = []
        for f in self.shape.fields:
            value = f"f-{f.key}" in data if f.kind == FLAG else str(data.get(f"f-{f.key}", "")).strip()
            self.singles.append(Cell(f, f"f-{f.key}", value))
        posted: dict[str, dict[str, dict]] = {}
        for key in data:  # in page order
            match = ROW_KEY.match(key)
            if match:
                posted.setdefault(match[1], {}).setdefault(match[2], {})[match[3]] = data.get(key)
        self.blocks = []
        for rows_of in self.shape.lists:
            rows = []
            for n, values in posted.get(rows_of.key, {}).items():
                cells = []
                for f in rows_of.fields:
                    raw = values.get(f.key)
                    value = raw is not None if f.kind == FLAG else str(raw or "").strip()
                    cells.append(Cell(f, f"{rows_of.key}-{n}-{f.key}", value))
                rows.append(Row(n, cells, deleted="DELETE" in values))
            self.blocks.append(RowBlock(rows_of, rows))

    def add_row(self, list_key: str) -> None:
        for block in self.blocks:
            if block.rows_of.key == list_key:
                block.rows.append(new_row(block.rows_of))

    # --- what the service takes ----------------------------------------------------------------------------

    def service_data(self) -> dict:
        """The content to save: single fields, and each list's rows that are neither removed nor wholly blank (the
        same rule the service applies, so that its row numbers match the rows kept here)."""
        data = {cell.field.key: cell.value for cell in self.singles}
        self._kept = {}
        for block in self.blocks:
            kept = [row for row in block.rows if not row.deleted and any(cell.value for cell in row.cells)]
            self._kept[block.rows_of.key] = kept
            data[block.rows_of.key] = [{cell.field.key: cell.value for cell in row.cells} for row in kept]
        return data

    def add_service_errors(self, errors: dict | list) -> None:
        """Put the service's refusals beside the field they are about (`members.2.name`: the second row kept)."""
        if isinstance(errors, list):
            self.non_field_errors += [str(e) for e in errors]
            return
        singles = {cell.field.key: cell for cell in self.singles}
        for key, messages in errors.items():
            target = singles.get(key)
            parts = key.split(".")
            if target is None and len(parts) == 3 and parts[1].isdigit():
                rows = self._kept.get(parts[0], [])
                index = int(parts[1]) - 1
                if 0 <= index < len(rows):
                    target = next((c for c in rows[index].cells if c.field.key == parts[2]), None)
            if target is None:
                self.non_field_errors += [str(m) for m in messages]
            else:
                target.errors += [str(m) for m in messages]

    @property
    def errors(self) -> list[str]:
        cells = self.singles + [cell for block in self.blocks for row in block.rows for cell in row.cells]
        return self.non_field_errors + [e for cell in cells for e in cell.errors]


class VersionForm(StyledForm):
    """A step that needs nothing but the version the person was looking at (submit, accept, archive)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReturnForm(VersionForm):
    reason = forms.CharField(
        label=_("What the cadre must fix"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Say why the section is returned, so that the cadre knows what to fix.")},
    )


def year_choices():
    this = timezone.localdate().year
    return [(y, str(y)) for y in range(this, max(FIRST_YEAR, this - 5) - 1, -1)]


class OpenForm(StyledForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=year_choices)


class ReviewerForm(StyledForm):
    username = forms.CharField(
        label=_("Login of the reviewer"),
        max_length=150,
        help_text=_("E.g. the organisation department's officer preparing an appointment."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    expires_on = forms.DateField(
        label=pgettext_lazy("reviewer access", "Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no end date; revoke the access when it is no longer needed."),
    )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active login is called “{name}”.").format(name=name))
        return user
