"""Signals for the layers above accounts, which may react to the social graph without accounts knowing
them (a lower layer never imports a higher one). Sent inside the writing transaction."""

from django.dispatch import Signal

# follower, followee: a new follow was made.
follow_created = Signal()

# follower, followee: an unfollow (a block removes follows without this signal: it sends its own).
follow_deleted = Signal()

# blocker, blocked: a new block was made (the follows between the two are already gone).
block_created = Signal()
