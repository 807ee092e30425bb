from django.apps import AppConfig
from django.urls import register_converter


class CommonConfig(AppConfig):
    name = "yusuan.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from yusuan.common.choice_display import install
        from yusuan.common.ids import IdConverter

        register_converter(IdConverter, "id")
        install()
