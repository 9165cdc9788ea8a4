from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mingjing.accounts"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        from mingjing.accounts import signals

        signals.connect()  # the sign-in trail
