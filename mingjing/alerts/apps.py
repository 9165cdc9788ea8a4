from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "mingjing.alerts"
    verbose_name = "预警闭环"
