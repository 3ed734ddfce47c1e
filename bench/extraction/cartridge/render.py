"""Renders Cartridge (the Mezzanine shop) with its default theme and saves the pages.

    bash bench/extraction/cartridge/render.sh

Runs in a project made by `mezzanine-project -a cartridge` under
~/.cache/takedown/extraction/cartshop (see render.sh): creates three products, each
with its price on the default variation and one to three photos, and a category page
holding them, then renders through Django's test client. Cartridge has no seller field,
so the ground truth's seller is empty. Prices are formatted by the en_US locale (USD).
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import common  # noqa: E402

HOST = "shop.example"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartshop.settings")

import django  # noqa: E402

django.setup()


def main():
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.sites.models import Site
    from django.core.management import call_command
    from django.test import Client
    from cartridge.shop.models import Category, Product, ProductImage

    call_command("migrate", verbosity=0, interactive=False)
    Site.objects.update_or_create(id=1, defaults={"domain": HOST, "name": "Cartridge demo"})
    if Product.objects.exists():
        sys.exit("the demo shop already has products: remove it to render afresh")
    category = Category.objects.create(title="Accessories", content="Our accessories.")
    client = Client(HTTP_HOST=HOST)
    site = f"http://{HOST}"
    links = []
    for n, item in enumerate(common.CATALOGUE, start=1):
        product = Product.objects.create(title=item["title"], content=f"<p>Demo product {n}.</p>",
                                         available=True)
        product.variations.manage_empty()
        default = product.variations.get(default=True)
        default.unit_price = Decimal(item["price"])
        default.sku = f"SKU-{n}"
        default.num_in_stock = 10
        default.save()
        images = []
        for order, (colour, label) in enumerate(item["photos"]):
            # Mezzanine's file field holds a path under MEDIA_ROOT, as its file browser
            # would store an upload.
            relative = f"product/{label}.jpg"
            common.photo(pathlib.Path(settings.MEDIA_ROOT) / relative, colour, label)
            image = ProductImage.objects.create(product=product, description=label,
                                                file=relative, _order=order)
            # The full-size photo the gallery links to: its largest rendition.
            images.append(site + settings.MEDIA_URL + str(image.file))
        product.copy_default_variation()
        product.categories.add(category)
        product.save()
        url = product.get_absolute_url()
        links.append(site + url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        common.save("cartridge", f"product_{n}", response.content.decode(), {
            "url": site + url, "title": item["title"], "price": item["price"],
            "currency": "USD", "seller": "", "seller_rule": None, "images": images,
        })
    url = category.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    common.save("cartridge", "category", response.content.decode(),
                {"url": site + url, "kind": "Category", "listing_links": links})


if __name__ == "__main__":
    main()
