from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from . import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        def give_personal_workspace(sender, instance, created, raw=False, **kwargs):
            if created and not raw:
                from .services import personal_workspace_create

                personal_workspace_create(user=instance)

        post_save.connect(give_personal_workspace, sender=get_user_model(), dispatch_uid="personal-workspace")

        from .throttles import throttle_admin_login

        throttle_admin_login()
