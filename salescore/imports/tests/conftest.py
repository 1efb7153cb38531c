import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Reasons are stored in the language the job ran in: read them in English here."""
    with translation.override("en"):
        yield
