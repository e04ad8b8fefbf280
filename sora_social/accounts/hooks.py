"""What accounts tells the layers above it about the social graph (``sora_social.core.hooks``). Each is sent
inside the writing transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sora_social.accounts.models import User
from sora_social.core.hooks import Hook


@dataclass(frozen=True)
class Following:
    follower: User
    followee: User


@dataclass(frozen=True)
class Blocking:
    blocker: User
    blocked: User


# A new follow was made.
follow_created: Hook[Following] = Hook("accounts.follow_created")

# An unfollow (a block removes follows without this hook: it sends its own).
follow_deleted: Hook[Following] = Hook("accounts.follow_deleted")

# A new block was made (the follows between the two are already gone).
block_created: Hook[Blocking] = Hook("accounts.block_created")
