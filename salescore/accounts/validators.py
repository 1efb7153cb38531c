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
