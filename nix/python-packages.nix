# The backend's Python packages, by their names in backend/requirements.txt and
# requirements-dev.txt, mapped to attributes of nixpkgs' python313.pkgs. Plain data:
# tests compare it with the requirement files without evaluating nixpkgs.
{
  # Runtime: exactly the pins of backend/requirements.txt (checks.python-pins compares the
  # built environment's versions with them).
  runtime = {
    Django = "django";
    psycopg = "psycopg";
    gunicorn = "gunicorn";
    python-json-logger = "python-json-logger";
    whitenoise = "whitenoise";
    django-cors-headers = "django-cors-headers";
  };

  # Runtime, Nix only: the image has no /usr/share/zoneinfo, and Django's TIME_ZONE goes
  # through zoneinfo, which then reads the time zones from the tzdata package.
  runtimeNixOnly = [ "tzdata" ];

  # The test tools of requirements-dev.txt (ruff comes from nixpkgs' top level; nixpkgs'
  # psycopg already has the C speedups that psycopg-binary gives off Nix).
  test = {
    pytest = "pytest";
    pytest-django = "pytest-django";
    hypothesis = "hypothesis";
    python-dotenv = "python-dotenv";
    kubernetes-validate = "kubernetes-validate";
    PyYAML = "pyyaml";
  };
}
