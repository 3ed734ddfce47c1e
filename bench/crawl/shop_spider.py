"""Scrapy peer for the crawler benchmark (services/crawler/benches/crawl.rs).

Crawls the generated bench shop the way `takedown crawl` does: from the home page, follow
every same-host link (categories, pagination, related listings), obey robots.txt, read each
listing's schema.org Product from its JSON-LD, and download each listing's image through
Scrapy's FilesPipeline (stored on disk, like our blob store). No delay, no AutoThrottle;
concurrency is set by the benchmark with -s CONCURRENT_REQUESTS / _PER_DOMAIN.

At the end it writes {"listing_urls": [...], "stats": {...}} to the file named by -a out=.
"""

import json
from urllib.parse import urlparse

import scrapy


class ShopSpider(scrapy.Spider):
    name = "bench_shop"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {"scrapy.pipelines.files.FilesPipeline": 1},
        # Images are fetched as they come, like ours; nothing else throttles the crawl.
        "TELNETCONSOLE_ENABLED": False,
        "DEPTH_LIMIT": 0,
    }

    def __init__(self, start, out, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.allowed_domains = [urlparse(start).hostname]
        self.out = out
        self.listing_urls = set()

    def parse(self, response):
        for block in response.xpath('//script[@type="application/ld+json"]/text()').getall():
            try:
                node = json.loads(block)
            except ValueError:
                continue
            if isinstance(node, dict) and node.get("@type") == "Product":
                self.listing_urls.add(response.url)
                offers = node.get("offers") or {}
                seller = offers.get("seller")
                yield {
                    "url": response.url,
                    "title": node.get("name"),
                    "price": offers.get("price"),
                    "currency": offers.get("priceCurrency"),
                    "seller": seller.get("name") if isinstance(seller, dict) else seller,
                    "file_urls": [response.urljoin(node["image"])] if node.get("image") else [],
                }
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)

    def closed(self, reason):
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
        with open(self.out, "w") as f:
            json.dump({"listing_urls": sorted(self.listing_urls), "stats": stats, "reason": reason}, f)
