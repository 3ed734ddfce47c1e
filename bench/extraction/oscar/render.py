"""Renders django-oscar's default templates with a demo catalogue and saves the pages.

    bash bench/extraction/oscar/render.sh

Installs django-oscar 4.2.1 into ~/.cache/takedown/extraction/oscar (a venv), builds a
throwaway SQLite shop there, creates three products with a partner (Oscar's seller) and
one to three photos each, and renders through Django's test client: three product pages,
the catalogue list and one category page. Oscar's default theme does not show the
partner on a product page, so the ground truth's seller is empty there.
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402

WORK = pathlib.Path.home() / ".cache/takedown/extraction/oscar-site"
WORK.mkdir(parents=True, exist_ok=True)
HOST = "shop.example"

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from oscar.defaults import *  # noqa: E402,F401,F403
from oscar import defaults as oscar_defaults  # noqa: E402

OSCAR_APPS = [
    "oscar.config.Shop", "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig", "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig", "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig", "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig", "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig", "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig", "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig", "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
]

settings.configure(
    **{k: getattr(oscar_defaults, k) for k in dir(oscar_defaults)
       if k.startswith("OSCAR_") and k != "OSCAR_DEFAULT_CURRENCY"},
    DEBUG=False,
    SECRET_KEY="render-only",
    ALLOWED_HOSTS=[HOST, "testserver"],
    SITE_ID=1,
    ROOT_URLCONF=__name__,
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                           "NAME": str(WORK / "shop.sqlite3")}},
    INSTALLED_APPS=[
        "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
        "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
        "django.contrib.sites", "django.contrib.flatpages", *OSCAR_APPS,
        "widget_tweaks", "haystack", "treebeard", "sorl.thumbnail", "django_tables2",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "oscar.apps.basket.middleware.BasketMiddleware",
    ],
    TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": [
            "django.template.context_processors.debug",
            "django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth",
            "django.template.context_processors.i18n",
            "django.contrib.messages.context_processors.messages",
            "oscar.apps.search.context_processors.search_form",
            "oscar.apps.checkout.context_processors.checkout",
            "oscar.apps.communication.notifications.context_processors.notifications",
            "oscar.core.context_processors.metadata",
        ]},
    }],
    AUTHENTICATION_BACKENDS=["oscar.apps.customer.auth_backends.EmailBackend",
                             "django.contrib.auth.backends.ModelBackend"],
    # Oscar lists the catalogue through a search index; Whoosh is the pure-Python one.
    HAYSTACK_CONNECTIONS={"default": {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
                                      "PATH": str(WORK / "whoosh")}},
    MEDIA_ROOT=str(WORK / "media"),
    MEDIA_URL="/media/",
    STATIC_URL="/static/",
    LANGUAGE_CODE="en-gb",
    USE_TZ=True,
    OSCAR_DEFAULT_CURRENCY="GBP",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()

from django.apps import apps as django_apps  # noqa: E402
from django.urls import include, path  # noqa: E402

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(django_apps.get_app_config("oscar").urls[0])),
]


def main():
    from decimal import Decimal

    from django.contrib.sites.models import Site
    from django.core.files import File
    from django.core.management import call_command
    from django.test import Client
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.apps.catalogue.models import (Product, ProductCategory, ProductClass,
                                             ProductImage)
    from oscar.apps.partner.models import Partner, StockRecord
    from oscar.core.thumbnails import get_thumbnailer

    call_command("migrate", verbosity=0, interactive=False)
    Site.objects.update_or_create(id=1, defaults={"domain": HOST, "name": "Oscar demo"})
    if Product.objects.exists():
        sys.exit(f"{WORK} already has products: remove it to render afresh")
    kind = ProductClass.objects.create(name="Goods", requires_shipping=True)
    category = create_from_breadcrumbs("Accessories")
    client = Client(HTTP_HOST=HOST)
    thumbnailer = get_thumbnailer()
    site = f"http://{HOST}"
    links = []
    for n, item in enumerate(common.CATALOGUE, start=1):
        product = Product.objects.create(title=item["title"], product_class=kind,
                                         description=f"Demo product {n}.")
        ProductCategory.objects.create(product=product, category=category)
        partner, _ = Partner.objects.get_or_create(name=item["seller"])
        StockRecord.objects.create(product=product, partner=partner, partner_sku=f"SKU-{n}",
                                   price=Decimal(item["price"]), num_in_stock=10)
        images = []
        for order, (colour, label) in enumerate(item["photos"]):
            src = common.photo(WORK / "photos" / f"{label}.jpg", colour, label)
            with open(src, "rb") as f:
                image = ProductImage(product=product, display_order=order)
                image.original.save(f"{label}.jpg", File(f), save=True)
            # The gallery's large rendition, as Oscar's own thumbnailer names it.
            thumb = thumbnailer.generate_thumbnail(image.original, size="440x400",
                                                   upscale=False)
            images.append(site + thumb.url)
        url = product.get_absolute_url()
        links.append(site + url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        common.save("oscar", f"product_{n}", response.content.decode(), {
            "url": site + url, "title": item["title"], "price": item["price"],
            "currency": "GBP", "seller": "", "seller_rule": None, "images": images,
        })
    call_command("update_index", verbosity=0)
    for name, url in [("catalogue", "/catalogue/"), ("category", category.get_absolute_url())]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        common.save("oscar", name, response.content.decode(),
                    {"url": site + url, "kind": "Category", "listing_links": links})


if __name__ == "__main__":
    main()
