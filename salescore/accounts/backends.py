from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    """The model backend, refusing accounts that are locked after repeated failures."""

    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_locked", False):
            return False
        return super().user_can_authenticate(user)
