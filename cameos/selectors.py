"""Every read of cameos, and the one place that decides cameo consent.

A user may use a cameo when it is ``active``, its owner's account is active, and they are its owner, or
the audience admits them (``approved``: on the list; ``mutuals``: owner and user follow each other;
``everyone``) and neither blocks the other. ``_usable_by`` writes that rule once, as SQL; the single-cameo
answer, the available list, the publish check, generation and the withdrawal of appearances all read it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cameos.models import Approval, Cameo, ConsentRecord, ReferenceImage, VerificationChallenge
from feed.models import FeaturedCameo
from sora_social.accounts.models import User
from sora_social.accounts.selectors import graph_of, user_is_moderator
from sora_social.core.errors import Forbidden, NotFound
from sora_social.core.ids import parse_id


def _usable_by(user: User) -> Q:
    graph = graph_of(user)
    approved = Approval.objects.filter(cameo=OuterRef("pk"), user=user)

    audience = (
        Q(audience=Cameo.Audience.EVERYONE)
        | Q(audience=Cameo.Audience.APPROVED) & Q(Exists(approved))
        | Q(audience=Cameo.Audience.MUTUALS)
        & Q(owner_id__in=graph.following)
        & Q(owner_id__in=graph.followers)
    )
    others = ~Q(owner_id__in=graph.blocked_either_way) & audience
    return Q(status=Cameo.Status.ACTIVE, owner__is_active=True) & (Q(owner=user) | others)


def usable_cameos(*, user: User | AnonymousUser) -> QuerySet[Cameo]:
    """Every cameo ``user`` may put in a video now."""
    if not isinstance(user, User) or not user.is_active:
        return Cameo.objects.none()
    return Cameo.objects.filter(_usable_by(user))


def cameo_use_permitted(*, cameo: Cameo, user: User | AnonymousUser) -> bool:
    return usable_cameos(user=user).filter(pk=cameo.pk).exists()


def usable_cameo_ids(*, user: User, cameo_ids: Iterable[int]) -> set[int]:
    """Those of ``cameo_ids`` that ``user`` may use, in one query."""
    ids = set(cameo_ids)
    if not ids:
        return set()
    return set(usable_cameos(user=user).filter(pk__in=ids).values_list("pk", flat=True))


def not_permitted() -> Forbidden:
    """The refusal for a cameo one may not use, whether it exists or not (never telling which)."""
    return Forbidden("You may not put this cameo in a video.", code="cameo_not_permitted")


def cameo_use_require(*, cameo: Cameo, user: User) -> None:
    if not cameo_use_permitted(cameo=cameo, user=user):
        raise not_permitted()


def _owner_view(cameos: QuerySet[Cameo]) -> QuerySet[Cameo]:
    return (
        cameos.select_related("owner")
        .prefetch_related("reference_images")
        .annotate(approval_count=Count("approvals", distinct=True))
    )


def cameo_get_visible(*, viewer: User, cameo_id: int | str) -> Cameo:
    """The cameo, if ``viewer`` owns it (and it is not deleted) or may use it; 404 otherwise."""
    pk = parse_id(cameo_id) or -1
    visible = Q(owner=viewer) & ~Q(status=Cameo.Status.DELETED) | Q(
        pk__in=usable_cameos(user=viewer).values("pk")
    )
    cameo = _owner_view(Cameo.objects.filter(visible, pk=pk)).first()
    if cameo is None:
        raise NotFound("There is no such cameo.", code="cameo_not_found")
    return cameo


def cameo_get_owned(*, viewer: User, cameo_id: int | str) -> Cameo:
    """The cameo for an owner-only operation: 404 when ``viewer`` may not see it, 403 when they may see it
    (they may use it) but do not own it."""
    cameo = cameo_get_visible(viewer=viewer, cameo_id=cameo_id)
    if cameo.owner_id != viewer.pk:
        raise Forbidden("Only the cameo's owner can do this.", code="not_owner")
    return cameo


REFERENCE_IMAGE_MEDIA = "cameo"


def reference_image_media_allowed(*, object_id: int, name: str, viewer: User | None) -> bool:
    """Whether a media link to the reference image ``name`` of cameo ``object_id`` still works
    (sora_social.core.media_access asks on every request): the image is still one of the cameo's, the cameo
    is not deleted, and the link was minted for its owner (the only reader its images are shown to) or for a
    moderator."""
    if viewer is None:
        return False
    cameo = Cameo.objects.filter(pk=object_id).exclude(status=Cameo.Status.DELETED).first()
    if cameo is None or not ReferenceImage.objects.filter(cameo=cameo, image=name).exists():
        return False
    return cameo.owner_id == viewer.pk or user_is_moderator(viewer)


def my_cameos(*, user: User) -> QuerySet[Cameo]:
    return _owner_view(Cameo.objects.filter(owner=user).exclude(status=Cameo.Status.DELETED))


def cameos_available(*, user: User, handle_prefix: str = "") -> QuerySet[Cameo]:
    cameos = usable_cameos(user=user).select_related("owner")
    return cameos.filter(handle__istartswith=handle_prefix) if handle_prefix else cameos


def cameo_approvals(*, cameo: Cameo) -> QuerySet[Approval]:
    return Approval.objects.filter(cameo=cameo).select_related("user")


def cameo_appearances(*, cameo: Cameo) -> QuerySet[FeaturedCameo]:
    """Every video or draft featuring ``cameo``, whoever made it, whatever its state."""
    return FeaturedCameo.objects.filter(cameo_id=cameo.pk).select_related("video__author")


def consent_records(*, cameo: Cameo) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(cameo_id=cameo.pk)


def verification_challenge_open(*, cameo: Cameo) -> VerificationChallenge | None:
    """The newest challenge of ``cameo`` that may still be answered (not used, not expired), if any."""
    return (
        VerificationChallenge.objects.filter(cameo=cameo, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def cameo_consent_still_given(*, user: User, cameo_ids: Iterable[int], lock: bool = False) -> bool:
    """For a finished generation: may ``user`` still use every cameo it asked for?

    With ``lock`` (inside a transaction) the cameo rows stay locked until it ends. Every change of consent
    locks its cameo row first (``services._lock``), so a draft made under this lock is either refused here
    or seen by the withdrawal that follows it."""
    ids = set(cameo_ids)
    if lock and ids:
        list(Cameo.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    return usable_cameo_ids(user=user, cameo_ids=ids) == ids


def cameo_preferences(*, cameo_ids: Iterable[int]) -> dict[int, str]:
    """The owners' preferences of these cameos, for the generation conditioning and the prompt policy."""
    return dict(Cameo.objects.filter(pk__in=set(cameo_ids)).values_list("pk", "preferences"))


def cameo_references(*, cameo_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """For the engine: each cameo's first reference image (its storage name) and its owner's preferences."""
    first_image = ReferenceImage.objects.filter(cameo=OuterRef("pk")).order_by("pk").values("image")[:1]
    rows = Cameo.objects.filter(pk__in=set(cameo_ids)).annotate(reference=Subquery(first_image))
    return {
        pk: (reference or "", preferences)
        for pk, reference, preferences in rows.values_list("pk", "reference", "preferences")
    }
