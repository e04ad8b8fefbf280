from django.urls import path

from sora_social.realtime import api

urlpatterns = [path("realtime/ticket/", api.TicketView.as_view(), name="realtime-ticket")]
