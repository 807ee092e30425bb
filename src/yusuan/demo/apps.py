from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yusuan.demo"
    label = "demo"
    verbose_name = "Demo data"
