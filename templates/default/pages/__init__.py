"""The site's one app: pages, listed at /."""
