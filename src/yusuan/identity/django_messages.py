"""Django's own messages that its Chinese catalogue leaves in English (the password length
rule's text changed in Django 5 and the zh_Hans translation was not updated). Marked here so that
``makemessages`` keeps them in our catalogue, which Django reads before its own (LOCALE_PATHS):
the password rules on the user form and the password change then read in Chinese too."""

from __future__ import annotations

from django.utils.translation import ngettext_lazy

DJANGO_MESSAGES = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        10,
    ),
)
