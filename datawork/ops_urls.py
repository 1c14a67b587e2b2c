from django.urls import path

from datawork.metrics import metrics

urlpatterns = [path("metrics", metrics, name="metrics")]
