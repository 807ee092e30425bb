from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "yusuan.common"
    label = "common"
    verbose_name = "Common"
