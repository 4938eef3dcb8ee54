from axes.apps import AppConfig as AxesAppConfig


class LoginProtectionConfig(AxesAppConfig):
    """django-axes, under a name the desk reads in the admin."""

    verbose_name = "登录保护"
