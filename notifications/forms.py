from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import Frequency, Kind, Recipient
from organisation import permissions

# The kinds each role can receive; the settings page offers only these.
KINDS_BY_ROLE = {
    permissions.OFFICE: [
        Kind.PROPOSAL_WAITING,
        Kind.PILOT_OVERDUE,
        Kind.PORTFOLIO_SUMMARY,
        Kind.UPDATE_OVERDUE,
        Kind.HANDOVER_WAITING,
        Kind.MEASUREMENT_DUE,
        Kind.REVIEW_DUE,
    ],
    permissions.DEPARTMENT_HEAD: [
        Kind.UPDATE_OVERDUE,
        Kind.HANDOVER_WAITING,
        Kind.MEASUREMENT_DUE,
        Kind.REVIEW_DUE,
    ],
    permissions.EXECUTIVE: [Kind.EXECUTIVE_DIGEST, Kind.MEASUREMENT_DUE, Kind.REVIEW_DUE],
}
# A benefit owner without a role is told only about the benefits they own.
BENEFIT_OWNER_KINDS = [Kind.MEASUREMENT_DUE, Kind.REVIEW_DUE]


def kinds_for(user) -> list[Kind]:
    return KINDS_BY_ROLE.get(permissions.role(user), BENEFIT_OWNER_KINDS)


class NotificationSettingsForm(forms.Form):
    """The language of one's e-mails, and for each kind: at once, weekly, or only in the app."""

    language = forms.ChoiceField(label=_("Language of e-mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, user, recipient: Recipient, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds_for(user)
        self.fields["language"].initial = recipient.language or settings.LANGUAGE_CODE
        for kind in self.kinds:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Frequency.choices,
                widget=forms.RadioSelect,
                initial=recipient.frequency(kind.value),
            )

    def frequencies(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[kind.value] for kind in self.kinds}
