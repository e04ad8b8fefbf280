"""Remix lineage over HTTP: a video's direct remixes, its chain back to the root, and the tree below it.
Making a remix (``POST /videos/{id}/remix/``) is a generation, so it lives in the generation app."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feed.api import VIDEO_NOT_FOUND, videos_data
from feed.serializers import VideoSerializer
from remix import selectors
from remix.selectors import TREE_BREADTH, TREE_DEPTH, Node
from sora_social.accounts.authentication import request_user
from sora_social.core.api import AUTH_ERRORS, LIST_ERRORS, error_responses
from sora_social.core.pagination import int_parameter, query_int

DEPTH_HELP = f"Levels below the video (0 to {TREE_DEPTH[1]}; default {TREE_DEPTH[0]})."
BREADTH_HELP = f"Remixes per node, newest first (1 to {TREE_BREADTH[1]}; default {TREE_BREADTH[0]})."


def _node_fields() -> dict[str, serializers.Field]:
    return {
        "id": serializers.CharField(
            allow_null=True, help_text="Null only for an ancestor whose record is gone."
        ),
        "available": serializers.BooleanField(
            help_text="False: removed, deleted or hidden from you; `video` is null (no content, no author)."
        ),
        "remix_depth": serializers.IntegerField(allow_null=True),
        "remix_count": serializers.IntegerField(allow_null=True),
        "video": VideoSerializer(allow_null=True),
    }


TREE_NODE = inline_serializer(
    "RemixTreeNode",
    {
        **_node_fields(),
        "children": serializers.ListField(child=serializers.DictField(), help_text="RemixTreeNode objects."),
        "more_children": serializers.BooleanField(
            help_text="More remixes below this node than shown: page them with /videos/{id}/remixes/."
        ),
    },
)


def _node_data(node: Node, videos: dict[int, Any]) -> dict[str, Any]:
    return {
        "id": None if node.id is None else str(node.id),
        "available": node.video is not None,
        "remix_depth": node.remix_depth,
        "remix_count": node.remix_count,
        "video": videos.get(node.id or -1),
    }


def _videos_of(nodes: list[Node], request: Request) -> dict[int, Any]:
    shown = [node.video for node in nodes if node.video is not None]
    return {video.pk: data for video, data in zip(shown, videos_data(shown, request), strict=True)}


class RemixesView(GenericAPIView):
    @extend_schema(
        operation_id="videos_remixes",
        responses={
            200: VideoSerializer(many=True),
            **error_responses(**AUTH_ERRORS, **LIST_ERRORS, **VIDEO_NOT_FOUND),
        },
    )
    def get(self, request: Request, video_id: str) -> Response:
        """The direct remixes of a video that you may watch, newest first. Works for a removed video too:
        its remixes stay."""
        viewer = request_user(request)
        video = selectors.lineage_anchor(viewer=viewer, video_id=video_id)
        page = self.paginate_queryset(selectors.remixes_of(viewer=viewer, video=video)) or []
        return self.get_paginated_response(videos_data(page, request))


class LineageView(APIView):
    @extend_schema(
        operation_id="videos_lineage",
        responses={
            200: inline_serializer(
                "Lineage",
                {
                    "results": inline_serializer("LineageNode", _node_fields(), many=True),
                    "truncated": serializers.BooleanField(
                        help_text=f"Longer than {selectors.MAX_LINEAGE}: the oldest ancestors are left out."
                    ),
                },
            ),
            **error_responses(**AUTH_ERRORS, **VIDEO_NOT_FOUND),
        },
    )
    def get(self, request: Request, video_id: str) -> Response:
        """The chain from the root to this video, root first, this video last. Removed, deleted or hidden
        ancestors stay in their place as unavailable nodes."""
        nodes, truncated = selectors.lineage_of(viewer=request_user(request), video_id=video_id)
        videos = _videos_of(nodes, request)
        return Response({"results": [_node_data(node, videos) for node in nodes], "truncated": truncated})


class RemixTreeView(APIView):
    @extend_schema(
        operation_id="videos_remix_tree",
        parameters=[
            int_parameter(
                "depth", default=TREE_DEPTH[0], lowest=0, highest=TREE_DEPTH[1], description=DEPTH_HELP
            ),
            int_parameter(
                "breadth",
                default=TREE_BREADTH[0],
                lowest=1,
                highest=TREE_BREADTH[1],
                description=BREADTH_HELP,
            ),
        ],
        responses={
            200: TREE_NODE,
            **error_responses(
                **AUTH_ERRORS, **VIDEO_NOT_FOUND, **{"400": "invalid: depth or breadth out of range"}
            ),
        },
    )
    def get(self, request: Request, video_id: str) -> Response:
        """The remix tree below a video, bounded in depth and breadth, for drawing it. Removed remixes are
        unavailable nodes that keep their own remixes; remixes you may not see are left out."""
        depth = query_int(request, "depth", default=TREE_DEPTH[0], lowest=0, highest=TREE_DEPTH[1])
        breadth = query_int(request, "breadth", default=TREE_BREADTH[0], lowest=1, highest=TREE_BREADTH[1])
        viewer = request_user(request)
        video = selectors.lineage_anchor(viewer=viewer, video_id=video_id)
        root = selectors.remix_tree(viewer=viewer, video=video, depth=depth, breadth=breadth)
        videos = _videos_of(list(root.walk()), request)

        def data(node: Node) -> dict[str, Any]:
            return {
                **_node_data(node, videos),
                "children": [data(child) for child in node.children],
                "more_children": node.more_children,
            }

        return Response(data(root))
