"""Signals for the layers above accounts, which may react to the social graph without accounts knowing
them (a lower layer never imports a higher one). Sent inside the writing transaction."""

from django.dispatch import Signal

# follower, followee: a new follow was made.
follow_created = Signal()
