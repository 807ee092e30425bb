from django.apps import AppConfig


class MemosConfig(AppConfig):
    name = "yusuan.workflow.tests.memos"
    label = "memos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yusuan.workflow.tests.memos import workflow  # noqa: F401  (declares the type)
