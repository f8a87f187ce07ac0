"""Forms of meetings: scheduling and editing, the list's filters, attendance, leave, guests and check-in."""

from __future__ import annotations

import re
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.core.forms import StyledForm, add_service_errors
from qinglian.orglife.forms.common import MemberChoice, MembersChoice, UnitChoice, date_input
from qinglian.orglife.vocab import MeetingKind, MeetingStatus, Presence
from qinglian.orgs.models import Member, Organisation

# A service's field names -> this form's, so that a refusal is shown beside what it is about.
SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time", "guest_name": "guests"}
GUEST_SPLIT = re.compile(r"\s*[,，、\t]\s*|\s{2,}")


def guest_lines(text: str) -> list[tuple[str, str]]:
    """'Name, unit' per line (a comma, an ideographic comma or a tab between them) as (name, unit) pairs."""
    pairs = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            parts = GUEST_SPLIT.split(line, maxsplit=1)
            name, unit = parts[0], (parts[1] if len(parts) > 1 else "")
            pairs.append((name.strip(), unit.strip()))
    return pairs


class MeetingForm(StyledForm):
    """A meeting on the calendar. `held` fixes the kind, time, place and invitees (they are the record)."""

    organisation = UnitChoice(
        label=_("Unit"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the units whose meetings you manage.")},
    )
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    topic = forms.CharField(label=_("Theme"), max_length=200, required=False)
    day = forms.DateField(
        label=_("Date"),
        widget=date_input(),
        error_messages={"required": _("Give the day of the meeting.")},
    )
    start_time = forms.TimeField(
        label=_("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the time the meeting starts.")},
    )
    end_time = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line."),
    )
    host = MemberChoice(label=_("Host"), queryset=Member.objects.none(), required=False)
    recorder = MemberChoice(label=_("Recorder"), queryset=Member.objects.none(), required=False)
    lecturer = MemberChoice(label=_("Lecturer"), queryset=Member.objects.none(), required=False)
    lecturer_name = forms.CharField(
        label=_("Or an outside lecturer"),
        max_length=100,
        required=False,
        help_text=_("Name and post of a lecturer who is not on the register."),
    )
    invitees = MembersChoice(
        label=_("Invitees"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("One of the invitees is not a member you can invite.")},
    )
    guests = forms.CharField(
        label=_("Guests"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One guest per line: name, unit (for example “陈明, 市纪委监委派驻纪检组”)."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, people=None, held: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = units if units is not None else Organisation.objects.none()
        for name in ("host", "recorder", "lecturer", "invitees"):
            self.fields[name].queryset = people if people is not None else Member.objects.none()
        self.held = held
        if held:
            for name in ("kind", "day", "start_time", "end_time", "place", "invitees"):
                self.fields[name].disabled = True

    def clean_agenda(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]

    def clean_guests(self) -> list[tuple[str, str]]:
        pairs = guest_lines(self.cleaned_data["guests"])
        for number, (name, unit) in enumerate(pairs, 1):
            if len(name) > 60 or len(unit) > 120:
                raise forms.ValidationError(
                    _("Line {n}: a guest's name is at most 60 characters and the unit 120.").format(n=number)
                )
        return pairs

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start_time"), data.get("end_time")
        if day and start:
            data["starts_at"] = timezone.make_aware(datetime.combine(day, start))
            data["ends_at"] = timezone.make_aware(datetime.combine(day, end)) if end else None
            if end and end <= start:
                self.add_error("end_time", _("The meeting cannot end before it starts."))
        lecture = data.get("kind") == MeetingKind.PARTY_LECTURE
        if lecture and not data.get("lecturer") and not data.get("lecturer_name", "").strip():
            self.add_error(
                "lecturer", _("A Party lecture needs a lecturer: choose a member or give an outside lecturer's name.")
            )
        if not self.held and "invitees" in data and not data["invitees"]:
            self.add_error("invitees", _("Invite at least one member."))
        return data

    def meeting_fields(self) -> dict:
        """The cleaned values under the names meeting_schedule and meeting_update take."""
        data = self.cleaned_data
        names = ("kind", "title", "topic", "starts_at", "ends_at", "place", "agenda", "host", "recorder", "lecturer")
        fields = {name: data[name] for name in names}
        fields["lecturer_name"] = data["lecturer_name"].strip()
        return fields

    def add_service_error(self, exc) -> None:
        """Show a service's refusal beside the field it names (or above the form)."""
        add_service_errors(self, exc, SERVICE_FIELDS)


class MeetingFilterForm(StyledForm):
    """The meeting list's filters; every field optional, unknown values ignored."""

    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *MeetingKind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MeetingStatus.choices]
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any month")), *[(m, str(m)) for m in range(1, 13)]],
    )
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units")), *[(u.pk, u.name) for u in units]]

    def filters(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value} if self.is_valid() else {}


class CancelForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the meeting is cancelled: the invitees will read it.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class LeaveRequestForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for leave"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for your leave request.")},
    )


class GuestForm(StyledForm):
    guest_name = forms.CharField(label=_("Guest's name"), max_length=60)
    guest_unit = forms.CharField(label=_("Unit"), max_length=120, required=False)


class InviteForm(StyledForm):
    members = MembersChoice(
        label=_("Members to invite"),
        queryset=Member.objects.none(),
        error_messages={"required": _("Choose the members to invite.")},
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = people if people is not None else Member.objects.none()


class CheckinForm(StyledForm):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}),
        error_messages={"required": _("Type the six digits shown at the meeting.")},
    )


# The presences a recorder chooses from: every member is marked; a guest may stay unmarked.
RECORDED_PRESENCES = [(v, label) for v, label in Presence.choices if v != Presence.UNKNOWN]


class AttendanceForm(StyledForm):
    """The recorder's register: a presence and a reason for absence per attendee (fields p_<id>, r_<id>).

    `fill` pre-marks everyone not yet recorded (e.g. all present), for the recorder to correct.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, attendees=(), fill: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in attendees:
            initial = row.presence if row.presence != Presence.UNKNOWN else fill
            presence = forms.ChoiceField(
                label=_("Presence of {name}").format(name=row.name),
                choices=RECORDED_PRESENCES,
                initial=initial,
                required=not row.is_guest,
                widget=forms.RadioSelect,
                error_messages={"required": _("Mark {name} present, late, absent or on leave.").format(name=row.name)},
            )
            reason = forms.CharField(
                label=_("Reason for absence of {name}").format(name=row.name),
                max_length=200,
                required=False,
                initial=row.absence_reason or (row.leave_reason[:200] if row.leave_status == "approved" else ""),
            )
            reason.widget.attrs.update(
                {"class": "form-control form-control-sm", "placeholder": _("Reason for absence")}
            )
            self.fields[f"p_{row.pk}"], self.fields[f"r_{row.pk}"] = presence, reason
            self.rows.append((row, f"p_{row.pk}", f"r_{row.pk}"))

    def clean(self):
        data = super().clean()
        for row, p, r in self.rows:
            if data.get(p) in (Presence.ABSENT, Presence.ON_LEAVE) and not data.get(r, "").strip() and not row.is_guest:
                self.add_error(r, _("Give the reason {name} was absent.").format(name=row.name))
        return data

    def presences(self) -> dict[int, str]:
        return {row.pk: self.cleaned_data[p] or Presence.UNKNOWN for row, p, _r in self.rows}

    def reasons(self) -> dict[int, str]:
        return {row.pk: self.cleaned_data[r] for row, _p, r in self.rows}

    def bound_rows(self):
        return [(row, self[p], self[r]) for row, p, r in self.rows]
