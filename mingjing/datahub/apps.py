from django.apps import AppConfig


class DatahubConfig(AppConfig):
    name = "mingjing.datahub"
    verbose_name = "数据中心"
