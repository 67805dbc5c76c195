"""The site's configuration: settings, URLs, the WSGI entry point and its own variables."""
