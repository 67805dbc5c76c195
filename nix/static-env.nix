# The environment collectstatic runs in at build time. The production settings refuse to
# load without these; collectstatic reads none of them (it never connects to the database),
# and nothing here reaches the image. Every value says that it is a build-only placeholder.
#
#   settingsModule: the production settings (./project-defaults.nix has the default).
#   Other attributes are ignored.
{ settingsModule, ... }:
{
  DJANGO_SETTINGS_MODULE = settingsModule;
  SECRET_KEY = "build-only-placeholder-for-collectstatic-not-a-secret-never-used-at-runtime";
  ALLOWED_HOSTS = "build-only-placeholder.invalid";
  POSTGRES_PASSWORD = "build-only-placeholder-collectstatic-never-connects";
  PYTHONDONTWRITEBYTECODE = "1";
}
