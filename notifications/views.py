"""A person's notifications in the app, their choices, and the office's view of e-mails."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import items, sending
from notifications.forms import NotificationSettingsForm
from notifications.models import Delivery, DeliveryStatus, Recipient
from organisation import permissions
from organisation.permissions import require

PER_PAGE = 50


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, newest first; unread ones marked."""
    require(permissions.can_receive_notifications(request.user))
    notifications = request.user.notifications.select_related("initiative", "benefit").order_by(
        "-created_at", "-id"
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"notification": n, "text": items.text(n), "url": items.path(n)} for n in page.object_list
    ]
    unread = request.user.notifications.filter(read_at__isnull=True).count()
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "rows": rows,
            "unread": unread,
            "can_see_deliveries": permissions.can_see_deliveries(request.user),
        },
    )


@require_GET
@login_required
def notification_count(request: HttpRequest) -> HttpResponse:
    """The header's count of unread notifications, loaded on its own so no page pays for it."""
    require(permissions.can_receive_notifications(request.user))
    unread = request.user.notifications.filter(read_at__isnull=True).count()
    return render(request, "notifications/_count.html", {"unread": unread})


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Only one's own: another person's notification is a 404."""
    require(permissions.can_receive_notifications(request.user))
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if notification.read_at is None:
        request.user.notifications.filter(pk=pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return redirect("notifications:list")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    require(permissions.can_receive_notifications(request.user))
    count = request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    require(permissions.can_receive_notifications(request.user))
    recipient = sending.settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, user=request.user, recipient=recipient)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            Recipient.objects.update_or_create(
                user=request.user,
                defaults={
                    "language": form.cleaned_data["language"],
                    "frequencies": {**recipient.frequencies, **form.frequencies()},
                },
            )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "has_email": bool(request.user.email)},
        status=422 if form.errors else 200,
    )


@require_GET
@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    """For the office: e-mails that failed (and are retried) and the latest sent."""
    require(permissions.can_see_deliveries(request.user))
    problems = list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP, DeliveryStatus.SENDING]
        )
        .select_related("recipient")
        .order_by("created_at", "id")[:200]
    )
    latest = list(
        Delivery.objects.filter(status=DeliveryStatus.SENT)
        .select_related("recipient")
        .order_by("-sent_at", "-id")[:50]
    )
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    return render(
        request,
        "notifications/deliveries.html",
        {"problems": problems, "latest": latest, "waiting": waiting},
    )


@require_POST
@login_required
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_see_deliveries(request.user))
    delivery = get_object_or_404(Delivery, pk=pk)
    if sending.retry_now(delivery):
        messages.success(
            request,
            _("The e-mail to %(address)s will be sent again at the next run.")
            % {"address": delivery.address},
        )
    else:
        messages.info(request, _("That e-mail is not waiting for a retry."))
    return redirect("notifications:deliveries")
