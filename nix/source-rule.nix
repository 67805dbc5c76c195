# Which files of backend/ (the example project) go into the image: production code only.
# The Nix store is world-readable and the image ships whatever is selected here, so
# development settings, tests, local state, secrets and caches stay out. keelson itself
# is not selected here: it is a package of the Python environment (./python.nix).
#
# A pure function without nixpkgs, so tests evaluate it over the real tree:
#   relativePath: a path below backend/, e.g. "config/settings/local.py"
#   type: "regular", "directory", "symlink" or "unknown" (as builtins.readDir says)
# A directory that is left out is not entered (as in builtins.path).
let
  # Directories left out wherever they are: caches, local state, collected files, tests.
  excludedDirectories = [
    "__pycache__"
    "tests"
    "staticfiles"
    "media"
    "logs"
  ];

  # Settings the image never runs: it carries config.settings.production only.
  excludedFiles = [
    "config/settings/local.py"
    "config/settings/test.py"
  ];

  matches = pattern: name: builtins.match pattern name != null;

  # .env*, .state, .gitignore, editor files: nothing hidden is production code.
  isHidden = matches "\\..*";
  # db.sqlite3 and its journals (-journal, -wal, -shm).
  isSqlite = matches ".*\\.sqlite3.*";
  isTestModule = matches "(test_.*|.*_test|tests|conftest)\\.py";
  isBytecode = matches ".*\\.py[co]";
  isLog = matches ".*\\.log";

  keepDirectory = name: !(builtins.elem name excludedDirectories);

  isExcludedFile =
    relativePath: name:
    builtins.elem relativePath excludedFiles
    || isSqlite name
    || isTestModule name
    || isBytecode name
    || isLog name;
in
relativePath: type:
let
  name = baseNameOf relativePath;
in
!(isHidden name)
&& (
  if type == "directory" then
    keepDirectory name
  else
    # Symlinks could point outside the tree (at a secret): regular files only.
    type == "regular" && !(isExcludedFile relativePath name)
)
