"""Renders Shuup 3.1.0's default front (classic gray theme) with a demo catalogue.

    bash bench/extraction/shuup/render.sh

Uses the `shuup_workbench` project the package ships, with the database and media under
~/.cache/takedown/extraction/shuup-site: one shop, a supplier (Shuup's vendor) per
product, three products with one to three photos each, rendered through Django's test
client: the product pages and one category page. The theme does not show the
supplier's name (only its id in the add-to-cart form), so the truth's seller is empty.
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402

HOST = "shop.example"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuup_workbench.settings")
os.environ.setdefault("LOCAL_SETTINGS_FILE",
                      str(pathlib.Path(__file__).with_name("local_settings.py")))

import django  # noqa: E402

django.setup()


def main():
    from decimal import Decimal

    from django.core.files import File
    from django.core.management import call_command
    from django.test import Client
    from filer.models import Image as FilerImage
    from shuup.core.models import (Category, CategoryStatus, CategoryVisibility,
                                   ProductMedia, ProductMediaKind, ShopProduct,
                                   Supplier, SupplierType)
    from shuup.testing import factories

    call_command("migrate", verbosity=0, interactive=False)
    shop = factories.get_default_shop()
    shop.domain = HOST
    shop.save()
    from shuup.xtheme._theme import set_current_theme
    set_current_theme("shuup.themes.classic_gray", shop)
    category = Category.objects.create(identifier="accessories", name="Accessories",
                                       status=CategoryStatus.VISIBLE,
                                       visibility=CategoryVisibility.VISIBLE_TO_ALL)
    category.shops.add(shop)
    client = Client(HTTP_HOST=HOST)
    site = f"http://{HOST}"
    work = pathlib.Path(os.environ["SHUUP_RENDER_DIR"])
    links = []
    for n, item in enumerate(common.CATALOGUE, start=1):
        supplier = Supplier.objects.create(name=item["seller"], type=SupplierType.INTERNAL,
                                           enabled=True)
        supplier.shops.add(shop)
        product = factories.create_product(f"sku-{n}", shop=shop, supplier=supplier,
                                           default_price=Decimal(item["price"]),
                                           name=item["title"])
        shop_product = ShopProduct.objects.get(product=product, shop=shop)
        shop_product.primary_category = category
        shop_product.categories.add(category)
        shop_product.save()
        images = []
        for order, (colour, label) in enumerate(item["photos"]):
            src = common.photo(work / "photos" / f"{label}.jpg", colour, label)
            with open(src, "rb") as f:
                filer_image = FilerImage.objects.create(original_filename=f"{label}.jpg",
                                                        file=File(f, name=f"{label}.jpg"))
            media = ProductMedia.objects.create(product=product, kind=ProductMediaKind.IMAGE,
                                                file=filer_image, enabled=True, public=True,
                                                ordering=order)
            media.shops.add(shop)
            if order == 0:
                product.primary_image = media
                product.save()
            # The original the gallery links to: the largest rendition.
            images.append(site + filer_image.url)
        url = f"/p/{product.pk}-{product.slug}/"
        links.append(site + url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        common.save("shuup", f"product_{n}", response.content.decode(), {
            "url": site + url, "title": item["title"], "price": item["price"],
            # The classic gray theme keeps the supplier in a hidden form field only.
            "currency": "EUR", "seller": "", "seller_rule": None,
            "images": images,
        })
    url = f"/c/{category.pk}-{category.slug}/"
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    common.save("shuup", "category", response.content.decode(),
                {"url": site + url, "kind": "Category", "listing_links": links})


if __name__ == "__main__":
    main()
