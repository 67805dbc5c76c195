# The environment collectstatic runs in at build time. The production settings refuse to
# load without these; collectstatic reads none of them (it never connects to the database),
# and nothing here reaches the image. Every value says that it is a build-only placeholder.
{
  DJANGO_SETTINGS_MODULE = "config.settings.production";
  SECRET_KEY = "build-only-placeholder-for-collectstatic-not-a-secret-never-used-at-runtime";
  ALLOWED_HOSTS = "build-only-placeholder.invalid";
  POSTGRES_PASSWORD = "build-only-placeholder-collectstatic-never-connects";
  PYTHONDONTWRITEBYTECODE = "1";
}
