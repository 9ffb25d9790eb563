from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = _("Portfolio")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portfolio import figures
        from portfolio.cache import connect_signals
        from portfolio.middleware import SessionRefreshMiddleware

        connect_signals()
        figures.connect_signals()
        # A login writes the session anyway: the next minute's requests need not.
        user_logged_in.connect(SessionRefreshMiddleware.stamp, dispatch_uid="session-refresh")
