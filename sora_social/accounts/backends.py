from django.contrib.auth.backends import ModelBackend


class ActiveUserBackend(ModelBackend):
    """Username and password, with the username matched without regard to case (via the manager)."""
