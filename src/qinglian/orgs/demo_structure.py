"""The demo agency's structure: its functional departments, which branch sits in which, and
every branch's current committee with its posts -- one of them due for re-election soon.

Runs after the register (orgs.demo) and only once: it does nothing when the demo root is missing
or already has departments. Deterministic, like the register.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from qinglian.core.audit import audit_record
from qinglian.orgs.demo import ROOT_CODE
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Department, Member, Organisation
from qinglian.orgs.services.committees import term_end
from qinglian.orgs.vocab import ON_REGISTER, DepartmentKind, PartyPost

# (name, kind, code, demo branch keys linked to it)
DEPARTMENTS = [
    ("办公室", DepartmentKind.OFFICE, "BGS", ["office"]),
    ("人事处", DepartmentKind.PERSONNEL, "RSC", []),
    ("驻局纪检监察组", DepartmentKind.DISCIPLINE, "JJZ", ["supervision"]),
    ("审计处", DepartmentKind.AUDIT, "SJC", []),
    ("财务处", DepartmentKind.FINANCE, "CWC", []),
    ("综合处", DepartmentKind.BUSINESS, "ZHC", ["general"]),
    ("预算处", DepartmentKind.BUSINESS, "YSC", ["budget"]),
    ("国库处", DepartmentKind.BUSINESS, "GKC", ["treasury", "payment"]),
    ("税政处", DepartmentKind.BUSINESS, "SZC", ["tax"]),
    ("会计处", DepartmentKind.BUSINESS, "KJC", ["accounting", "review"]),
    ("政府采购管理处", DepartmentKind.BUSINESS, "CGC", ["procurement"]),
    ("财政信息中心", DepartmentKind.BUSINESS, "XXZX", ["it"]),
]

# Posts of a branch committee, in seat order after the secretary.
BRANCH_POSTS = [PartyPost.ORGANISATION, PartyPost.PROPAGANDA, PartyPost.DISCIPLINE]
# The branch whose term ends inside the notice window, so the re-election reminder shows.
DUE_SOON = "procurement"


def _secretary_member(budget: Organisation) -> Member | None:
    """The member behind the demo's `secretary` login (预算处党支部's secretary)."""
    return Member.objects.filter(user__username="secretary").first() or Member.objects.in_subtree(budget).first()


@transaction.atomic
def load(*, members: int = 300) -> dict:
    """Add departments and committees to the demo agency unless they are there already."""
    root = Organisation.objects.filter(code=ROOT_CODE).first()
    if root is None or Department.objects.filter(organisation=root).exists():
        return {"loaded": False}
    today = timezone.localdate()
    branches = {
        org.code.removeprefix(f"{ROOT_CODE}-").lower(): org
        for org in Organisation.objects.subtree(root).branches().active().order_by("path")
    }
    for order, (name, kind, code, keys) in enumerate(DEPARTMENTS, start=1):
        department = Department.objects.create(organisation=root, name=name, kind=kind, code=code, order=order * 10)
        linked = [branches[k].pk for k in keys if k in branches]
        Organisation.objects.filter(pk__in=linked).update(department=department)
        # The branch's members work in its department (the retirees' branch has none).
        for key in keys:
            if key in branches:
                Member.objects.in_subtree(branches[key]).update(department=department)
    founded = date(2012, 3, 1)
    Organisation.objects.subtree(root).filter(founded_on__isnull=True).update(founded_on=founded)

    terms, posts = [], []
    for key, branch in branches.items():
        elected = (
            today - timedelta(days=365 * 3 - 45) if key == DUE_SOON else today - timedelta(days=400 + len(terms) * 30)
        )
        terms.append(
            CommitteeTerm(organisation=branch, number=4, elected_on=elected, ends_on=term_end(branch, elected))
        )
    # The agency committee and its general branches have committees too, drawn from their cadres.
    upper = [root, *Organisation.objects.subtree(root).filter(kind=Organisation.Kind.GENERAL_BRANCH)]
    for org in upper:
        elected = today - timedelta(days=700)
        number = 8 if org.pk == root.pk else 3
        terms.append(CommitteeTerm(organisation=org, number=number, elected_on=elected, ends_on=term_end(org, elected)))
    CommitteeTerm.objects.bulk_create(terms)
    upper_posts = [PartyPost.SECRETARY, PartyPost.DEPUTY_SECRETARY, *BRANCH_POSTS, PartyPost.MEMBER]
    for term in CommitteeTerm.objects.filter(organisation__in=upper).select_related("organisation"):
        cadres = Member.objects.in_subtree(term.organisation).filter(is_cadre=True, status__in=ON_REGISTER)
        people = list(cadres.order_by("birth_date", "pk")[: len(upper_posts)])
        posts += [
            CommitteePost(term=term, member=person, post=post, starts_on=term.elected_on)
            for person, post in zip(people, upper_posts, strict=False)
        ]
    secretary = _secretary_member(branches["budget"])
    for term in CommitteeTerm.objects.filter(organisation__in=branches.values(), closed_on__isnull=True):
        people = list(
            Member.objects.in_subtree(term.organisation).filter(status__in=ON_REGISTER).order_by("name_pinyin", "pk")
        )
        if term.organisation_id == branches["budget"].pk and secretary is not None:
            people = [secretary, *[p for p in people if p.pk != secretary.pk]]
        seats = [PartyPost.SECRETARY, *BRANCH_POSTS][: len(people)]
        posts += [
            CommitteePost(term=term, member=person, post=post, starts_on=term.elected_on)
            for person, post in zip(people, seats, strict=False)
        ]
    CommitteePost.objects.bulk_create(posts)
    audit_record(
        actor=None,
        action="demo.load_structure",
        obj=root,
        changes={"departments": len(DEPARTMENTS), "terms": len(terms), "posts": len(posts)},
    )
    return {"loaded": True}
