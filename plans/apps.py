from django.apps import AppConfig
from django.core.cache import caches
from django.utils.autoreload import file_changed


def forget_fragments(sender, file_path, **kwargs):
    # runserver takes a changed template without restarting: the rows drawn with the old
    # one must go with it.
    if file_path.suffix == ".html":
        caches["fragments"].clear()


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = "Fix plans"

    def ready(self):
        from plans import checks  # noqa: F401 (registers them)

        file_changed.connect(forget_fragments)
