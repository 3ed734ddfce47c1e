"""Shuup workbench overrides: the demo shop's database and media under the cache dir."""

import os


def configure(setup):
    work = os.environ["SHUUP_RENDER_DIR"]
    setup.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                                   "NAME": os.path.join(work, "shop.sqlite3")}}
    setup.MEDIA_ROOT = os.path.join(work, "media")
    setup.DEBUG = False
