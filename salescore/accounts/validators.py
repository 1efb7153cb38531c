from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Passwords mix letters with digits or symbols, so a plain word never passes."""

    def validate(self, password: str, user=None) -> None:
        has_letter = any(ch.isalpha() for ch in password)
        has_other = any(not ch.isalpha() for ch in password)
        if not (has_letter and has_other):
            raise ValidationError(
                _("Your password must contain letters and at least one digit or symbol."),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain letters and at least one digit or symbol.")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in our catalogue: Django 5.2 changed that message's
    text, and the translations it ships still hold only the old one, so it came out in English."""

    def get_error_message(self) -> str:
        return _("This password is too short. It must contain at least %(n)s characters.") % {
            "n": self.min_length
        }
