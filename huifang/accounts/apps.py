from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "huifang.accounts"
    label = "accounts"
    verbose_name = "账户与门店 / Accounts and stores"
