"""Reads of remix lineage, and the rule for what may be remixed.

A remix chain survives its members: a removed or deleted video keeps its row (and so its place in every
chain), and where a reader may not see a member, it appears as *unavailable*: its id and place, no
content and no author. Visibility is the feed's one rule (``feed.visibility``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from feed.models import Video
from feed.selectors import video_get_visible, videos_hydrate
from feed.visibility import media_visible, visible_videos
from sora_social.accounts.models import User
from sora_social.core.errors import Forbidden, NotFound
from sora_social.core.ids import parse_id

# The longest chain a lineage read walks up; deeper ancestors are left out (``truncated``).
MAX_LINEAGE = 1000
TREE_DEPTH = (2, 4)  # default, most
TREE_BREADTH = (5, 20)


def remix_parent_for(*, user: User, video_id: int | str) -> Video:
    """The video ``user`` asks to remix: 404 when they may not see it, 403 ``remix_not_allowed`` when it is
    not published or its author turned remixing off."""
    parent = video_get_visible(viewer=user, video_id=video_id)
    if parent.status != Video.Status.PUBLISHED or not parent.allow_remix:
        raise Forbidden("This video cannot be remixed.", code="remix_not_allowed")
    return parent


@dataclass(frozen=True)
class RemixDefaults:
    """What a remix takes from its parent when the request leaves it out."""

    duration_seconds: int  # of the lengths allowed, the one nearest the parent's (the shorter on a tie)
    aspect_ratio: str  # the parent's shape: landscape, portrait or square
    cameo_ids: list[int]  # the parent's cameos still in it, in their slots


# How far from 1:1 a frame may be and still count as square.
SQUARE_TOLERANCE = 1.15


def remix_defaults(*, parent: Video, durations: Sequence[int]) -> RemixDefaults:
    """The parent's length (one of ``durations``, those the engine makes), shape and cameos."""
    ratio = parent.width / max(1, parent.height)
    shape = (
        "landscape" if ratio > SQUARE_TOLERANCE else "portrait" if ratio < 1 / SQUARE_TOLERANCE else "square"
    )
    return RemixDefaults(
        duration_seconds=min(
            durations, key=lambda allowed: (abs(allowed - parent.duration_seconds), allowed)
        ),
        aspect_ratio=shape,
        cameo_ids=[
            appearance.cameo_id
            for appearance in sorted(parent.featured_cameos.all(), key=lambda appearance: appearance.pk)
            if appearance.withdrawn_at is None
        ],
    )


def remix_still_allowed(*, parent_id: int) -> bool:
    """Whether a remix being made may still be kept: its parent is still published with remixing on (a
    takedown or the author turning remixing off while it was made stops it)."""
    return Video.objects.filter(pk=parent_id, status=Video.Status.PUBLISHED, allow_remix=True).exists()


@dataclass
class Node:
    """A video's place in a chain or tree: ``video`` is None when it is unavailable to the reader."""

    id: int | None
    remix_depth: int | None
    remix_count: int | None = None
    video: Video | None = None
    children: list[Node] = field(default_factory=list)
    more_children: bool = False

    def walk(self) -> Iterator[Node]:
        """This node and every node below it."""
        yield self
        for child in self.children:
            yield from child.walk()


def _available(viewer: User, ids: Iterable[int]) -> dict[int, Video]:
    """The videos among ``ids`` that ``viewer`` may watch: visible and not removed (one's own draft at the
    end of a chain included)."""
    return {video.pk: video for video in videos_hydrate(viewer=viewer, ids=ids) if media_visible(video)}


def lineage_anchor(*, viewer: User, video_id: int | str) -> Video:
    """A video whose remixes or tree may be read: one ``viewer`` may see, or one that was published and
    has since been removed (it stays a node of its chains). A draft of someone else's is not there."""
    pk = parse_id(video_id) or -1
    video = (
        Video.objects.filter(pk=pk)
        .filter(
            Q(pk__in=visible_videos(viewer).values("pk"))
            | Q(status=Video.Status.REMOVED, published_at__isnull=False)
        )
        .first()
    )
    if video is None:
        raise NotFound("There is no such video.", code="video_not_found")
    return video


def lineage_of(*, viewer: User, video_id: int | str) -> tuple[list[Node], bool]:
    """The chain from the root to the video, root first, and whether it was cut at ``MAX_LINEAGE``. The
    video itself must be visible (404); ancestors the reader may not watch are unavailable nodes, and an
    ancestor whose row is gone altogether is one unavailable node without an id."""
    video = video_get_visible(viewer=viewer, video_id=video_id)
    table = connection.ops.quote_name(Video._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE chain(id, parent_id, depth, count, hops) AS (
                SELECT id, remix_of_id, remix_depth, remix_count, 0 FROM {table} WHERE id = %s
                UNION ALL
                SELECT v.id, v.remix_of_id, v.remix_depth, v.remix_count, c.hops + 1
                FROM {table} v JOIN chain c ON v.id = c.parent_id
                WHERE c.hops < %s
            )
            SELECT id, parent_id, depth, count FROM chain ORDER BY hops DESC
            """,
            [video.pk, MAX_LINEAGE],
        )
        rows = cursor.fetchall()
    available = _available(viewer, [row[0] for row in rows])
    nodes = [
        Node(id=pk, remix_depth=depth, remix_count=count, video=available.get(pk))
        for pk, _, depth, count in rows
    ]
    _, top_parent, top_depth, _ = rows[0]
    truncated = top_parent is not None
    if not truncated and top_depth > 0:
        # The link above was lost (its row was deleted outright): say that something was there.
        nodes.insert(0, Node(id=None, remix_depth=None))
    return nodes, truncated


def remixes_of(*, viewer: User, video: Video) -> QuerySet[Video]:
    """The direct remixes of ``video`` that ``viewer`` may watch, for a newest-first page."""
    return (
        visible_videos(viewer)
        .filter(remix_of=video, status=Video.Status.PUBLISHED)
        .select_related("author")
        .prefetch_related("featured_cameos__owner")
    )


def _tree_children(viewer: User, parent_ids: list[int], breadth: int) -> dict[int, list[Video]]:
    """Up to ``breadth`` + 1 children of each parent, newest first, in one query: the ones the reader may
    see and the removed ones (unavailable nodes that keep their descendants in the tree)."""
    shown = Video.objects.filter(remix_of_id__in=parent_ids).filter(
        Q(pk__in=visible_videos(viewer).filter(status=Video.Status.PUBLISHED).values("pk"))
        | Q(status=Video.Status.REMOVED, published_at__isnull=False)
    )
    ranked = shown.annotate(
        rank=Window(RowNumber(), partition_by=[F("remix_of_id")], order_by=F("id").desc())
    ).filter(rank__lte=breadth + 1)
    children: dict[int, list[Video]] = {pk: [] for pk in parent_ids}
    for child in ranked.order_by("remix_of_id", "-id"):
        children[child.remix_of_id].append(child)
    return children


def remix_tree(*, viewer: User, video: Video, depth: int, breadth: int) -> Node:
    """The remixes below ``video``, ``depth`` levels deep and at most ``breadth`` children a node (newest
    first; ``more_children`` says there are more: page them with the remixes list). One query a level."""
    root = Node(id=video.pk, remix_depth=video.remix_depth, remix_count=video.remix_count)
    level = [root]
    for _ in range(depth):
        if not level:
            break
        children = _tree_children(viewer, [node.id for node in level if node.id is not None], breadth)
        next_level: list[Node] = []
        for node in level:
            found = children.get(node.id or -1, [])
            node.more_children = len(found) > breadth
            node.children = [
                Node(id=child.pk, remix_depth=child.remix_depth, remix_count=child.remix_count)
                for child in found[:breadth]
            ]
            next_level += node.children
        level = next_level
    if level:  # the last level: whether anything is below
        below = _tree_children(viewer, [node.id for node in level if node.id is not None], 0)
        for node in level:
            node.more_children = bool(below.get(node.id or -1))
    nodes = list(root.walk())
    available = _available(viewer, [node.id for node in nodes if node.id is not None])
    for node in nodes:
        node.video = available.get(node.id or -1)
    return root
