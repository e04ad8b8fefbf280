from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sora_social.accounts"
    label = "accounts"
