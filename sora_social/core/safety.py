"""Safety signals: what the layers below moderation tell it, without importing it.

Moderation sits above every other app, so the apps below cannot call it. They raise a ``Signal`` here
on the hook ``signalled`` instead (a prompt refused or nearly refused, a cameo left for review and its
review decided, text posted in a caption or a comment) and moderation, which subscribes when it starts,
turns the signals that matter into flags on its review items. It subscribes in the sender's transaction
(``sora_social.core.hooks``), so a flag is kept exactly when what it is about is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sora_social.core.hooks import Hook

PROMPT_REFUSED = "prompt_refused"
PROMPT_NEAR_MISS = "prompt_near_miss"
CAMEO_IN_REVIEW = "cameo_in_review"
CAMEO_REVIEWED = "cameo_reviewed"
TEXT_POSTED = "text_posted"


@dataclass(frozen=True)
class Signal:
    kind: str
    target_type: str  # "video", "comment", "user" or "cameo"
    target_id: int
    text: str = ""  # the words concerned: the prompt, the caption, the comment
    details: dict[str, Any] = field(default_factory=dict)


signalled: Hook[Signal] = Hook("core.safety.signalled")
