"""Committee terms and posts of an organisation: /api/v1/orgs/{org_id}/terms, /terms/..., /posts/..."""

from datetime import date

from django.db.models import Prefetch
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.orgs import services
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Member, Organisation

router = Router(tags=["committees"])


class CommitteePostOut(Schema):
    id: int
    member_id: int
    member_name: str
    post: str
    starts_on: date
    ends_on: date | None

    @staticmethod
    def resolve_member_name(obj):
        return obj.member.name


class TermOut(Schema):
    id: int
    organisation_id: int
    number: int
    elected_on: date
    ends_on: date
    closed_on: date | None
    posts: list[CommitteePostOut]

    @staticmethod
    def resolve_posts(obj):
        return list(obj.posts.all())


class TermIn(Schema):
    elected_on: date


class CommitteePostIn(Schema):
    member_id: int
    post: str
    starts_on: date | None = None


class PostEndIn(Schema):
    ends_on: date
    reason: str = ""


def _with_posts(qs):
    return qs.prefetch_related(Prefetch("posts", CommitteePost.objects.select_related("member")))


@router.get("/{org_id}/terms", response=list[TermOut], summary="An organisation's committee terms, newest first")
@paginate(PageNumberPagination)
def term_list(request, org_id: int):
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id)
    return _with_posts(CommitteeTerm.objects.filter(organisation=org).order_by("-number"))


@router.post("/{org_id}/terms", response={201: TermOut}, summary="Record a new term (closes the current one)")
def term_create(request, org_id: int, payload: TermIn):
    org = get_visible_or_404(Organisation.objects, request.user, "org.manage", pk=org_id)
    term = services.term_start(org=org, elected_on=payload.elected_on, actor=request.user)
    return Status(201, _with_posts(CommitteeTerm.objects).get(pk=term.pk))


@router.post("/terms/{term_id}/posts", response={201: CommitteePostOut}, summary="Seat a member in a post")
def post_create(request, term_id: int, payload: CommitteePostIn):
    term = get_visible_or_404(
        CommitteeTerm.objects.select_related("organisation"), request.user, "org.manage", pk=term_id
    )
    member = get_visible_or_404(
        Member.objects.in_subtree(term.organisation), request.user, "org.view", pk=payload.member_id
    )
    seat = services.post_assign(
        term=term, member=member, post=payload.post, starts_on=payload.starts_on, actor=request.user
    )
    return Status(201, seat)


@router.post("/posts/{post_id}/end", response=CommitteePostOut, summary="End a post")
def post_end(request, post_id: int, payload: PostEndIn):
    seat = get_visible_or_404(
        CommitteePost.objects.select_related("term__organisation", "member"), request.user, "org.manage", pk=post_id
    )
    return services.post_end(seat=seat, ends_on=payload.ends_on, reason=payload.reason, actor=request.user)
