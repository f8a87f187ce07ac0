"""Daily practice (the member's, one question at a time), branch mastery and the points settings of a unit."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.forms import StyledForm
from qinglian.core.models import Rule
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.study.marking import letters
from qinglian.study.services.mastery import branch_mastery
from qinglian.study.services.points import points_configure, points_rule
from qinglian.study.services.practice import practice_answer, practice_pool, practice_queue, response_from
from qinglian.study.vocab import PointsKind, QuestionType

UNIT_CHOICES = 300


def _shown(version) -> dict:
    """What the page shows of a question: options with their letters (not shuffled in practice), blanks."""
    return {
        "version": version,
        "options": list(zip(letters(len(version.options)), version.options, strict=True)),
        "blanks": range(len(version.answer)) if version.qtype == QuestionType.FILL else (),
        "multiple": version.qtype == QuestionType.MULTIPLE,
    }


@login_required
def practice(request):
    """Today's practice: the next question, or — after an answer — the feedback with the right answer."""
    member = getattr(request.user, "member", None)
    context = {"member": member}
    if member is not None and request.method == "POST":
        try:
            answer = practice_answer(
                member=member,
                question_id=int(request.POST.get("question") or 0),
                token=int(request.POST.get("token") or 0),
                response=_response(member, request.POST),
            )
        except Conflict as exc:
            messages.info(request, str(exc))
            return redirect("study:practice")
        except (ValidationError, ValueError):
            messages.error(request, _("This question is not in your practice."))
            return redirect("study:practice")
        context |= {"answer": answer, **_shown(answer.version), "given": answer.review.response or []}
        queue = practice_queue(member)
        context |= {"queue": queue}
        return render(request, "study/practice_feedback.html", context)
    if member is not None:
        queue = practice_queue(member)
        context["queue"] = queue
        if queue.items:
            item = queue.items[0]
            context |= {"item": item, **_shown(item.question.current)}
    return render(request, "study/practice_today.html", context)


def _response(member, data):
    question = practice_pool(member).select_related("current").filter(pk=int(data.get("question") or 0)).first()
    if question is None:
        raise ValidationError("not in practice")
    return response_from(question.current, data)


# --- branch mastery -----------------------------------------------------------------------------------------


def _unit(request, action):
    """The unit asked for (a unit where the user holds `action`, by default the scope) and the units to pick."""
    root = scope_or_404(request)
    units = list(
        Organisation.objects.visible_to(request.user, action)
        .active()
        .subtree(root)
        .exclude(kind=Organisation.Kind.GROUP)
        .order_by("path")[:UNIT_CHOICES]
    )
    try:
        unit_id = int(request.GET.get("unit") or 0)
    except ValueError:
        raise Http404 from None
    if unit_id:
        unit = next((u for u in units if u.pk == unit_id), None) or get_visible_or_404(
            Organisation.objects.subtree(root), request.user, action, pk=unit_id
        )
    else:
        unit = next((u for u in units if u.pk == root.pk), None) or (units[0] if units else None)
    if unit is None:
        raise Http404
    return unit, units


def _pct(value) -> int | None:
    return None if value is None else round(value * 100)


def _row(row, topics) -> dict:
    return {
        "row": row,
        "mastery": _pct(row.mastery),
        "topics": [_pct(row.topics.get(t)) for t, _label in topics],
        "active_30": _pct(row.active_30 / row.members) if row.members else None,
        "points_avg": None if row.points_avg is None else round(row.points_avg, 1),
    }


@permission_required("study.view")
def mastery(request):
    """Mastery and practice per unit below the one chosen: averages and counts, no member ranked."""
    unit, units = _unit(request, "study.view")
    data = branch_mastery(unit)
    rows = [_row(row, data["topics"]) for row in [*data["rows"], data["total"]]]
    return render(
        request,
        "study/mastery_branch.html",
        {
            "unit": unit,
            "units": units,
            "data": data,
            "rows": rows[:-1],
            "total": rows[-1],
            "points_on": points_rule(unit.path)["enabled"],
            "can_configure": can(request.user, "study.manage", unit),
        },
    )


# --- points settings ----------------------------------------------------------------------------------------


class PointsSettingsForm(StyledForm):
    enabled = forms.BooleanField(
        label=gettext_lazy("Points are on for this unit and the units below it"), required=False
    )
    effective_from = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in PointsKind.choices:
            number = {"class": "form-control form-control-sm", "inputmode": "numeric"}
            self.fields[f"{kind}__points"] = forms.IntegerField(
                label=label, min_value=0, max_value=100, widget=forms.NumberInput(attrs=number)
            )
            self.fields[f"{kind}__cap"] = forms.IntegerField(
                label=gettext_lazy("Daily cap"), min_value=0, max_value=1000, widget=forms.NumberInput(attrs=number)
            )

    def kinds(self):
        return [(label, self[f"{kind}__points"], self[f"{kind}__cap"]) for kind, label in PointsKind.choices]

    def service_args(self) -> dict:
        data = self.cleaned_data
        return {
            "enabled": data["enabled"],
            "effective_from": data["effective_from"],
            "reason": data["reason"],
            "rules": {
                kind: {"points": data[f"{kind}__points"], "daily_cap": data[f"{kind}__cap"]}
                for kind in PointsKind.values
            },
        }


@permission_required("study.manage")
def points_settings(request, pk: int):
    """Turn study points on or off for a unit's subtree and set the points and daily caps."""
    org = get_visible_or_404(Organisation.objects.filter(is_active=True), request.user, "study.manage", pk=pk)
    today = timezone.localdate()
    rule = points_rule(org.path)
    initial = {"enabled": rule["enabled"], "effective_from": today}
    if Rule.objects.filter(key="study.points", org_path=org.path, effective_from__gte=today).exists():
        initial["effective_from"] = today + timedelta(days=1)
    for kind, spec in rule["rules"].items():
        initial[f"{kind}__points"] = spec.get("points", 0)
        initial[f"{kind}__cap"] = spec.get("daily_cap", 0)
    form = PointsSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            points_configure(org=org, actor=request.user, **form.service_args())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The points settings apply to {org} and the units below it from {day}.").format(
                    org=org.name, day=form.cleaned_data["effective_from"].isoformat()
                ),
            )
            return redirect(f"{reverse('study:mastery')}?unit={org.pk}")
    return render(request, "study/points_settings.html", {"org": org, "form": form, "rule": rule})


urls = [
    path("practice/", practice, name="practice"),
    path("mastery/", mastery, name="mastery"),
    path("points/settings/<int:pk>/", points_settings, name="points_settings"),
]
