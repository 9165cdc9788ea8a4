from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "mingjing.console"
    verbose_name = "工作台"
