from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class _ResetLinkForm(PasswordResetForm):
    """Django's reset e-mail for one chosen user, not every account that shares the address."""

    def __init__(self, user: User) -> None:
        super().__init__({"email": user.email})
        self.user = user

    def get_users(self, email):
        return [self.user]


admin.site.unregister(User)


@admin.register(User)
class PortfolioUserAdmin(UserAdmin):
    """Django's user admin, plus a way for the office to reset passwords it never sees.

    Rather than typing a password for someone and telling it to them ("Change password" on the
    user's page, also here), the office can send the user Django's one-time reset link.
    """

    actions = ["send_password_reset_link"]

    @admin.action(description=_("Send a password reset link by e-mail"), permissions=["change"])
    def send_password_reset_link(self, request, queryset):
        sent = 0
        skipped = []
        for user in queryset.order_by("username"):
            form = _ResetLinkForm(user)
            if not (user.is_active and form.is_valid()):
                skipped.append(user.get_username())
                continue
            form.save(request=request, use_https=request.is_secure())
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "A password reset link was sent to %(count)d user.",
                    "A password reset link was sent to %(count)d users.",
                    sent,
                )
                % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext("No link was sent to %(names)s: no valid e-mail address, or inactive.")
                % {"names": ", ".join(skipped)},
                messages.WARNING,
            )
