from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "mingjing.analysis"
    verbose_name = "大数据比对"
