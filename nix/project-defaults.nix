# The defaults of the Nix library's project arguments that pure files and tests share
# (./project.nix documents each argument). A plain attribute set, without nixpkgs.
{
  # DJANGO_SETTINGS_MODULE in the image and for collectstatic: the boot's own default.
  settingsModule = "config.settings.production";

  # Files below the project root that the image never carries: development and test
  # settings (./source-rule.nix).
  developmentFiles = [
    "config/settings/local.py"
    "config/settings/test.py"
  ];
}
