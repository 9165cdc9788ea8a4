from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mingjing.audit"
    verbose_name = "全程留痕"
