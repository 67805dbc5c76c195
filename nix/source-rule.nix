# Which files of a project's root (manage.py's directory; backend/ for the example) go
# into the image: production code only. The Nix store is world-readable and the image
# ships whatever is selected here, so development settings, tests, local state, secrets,
# caches and the Nix files stay out. keelson itself is not selected here: it is a package
# of the Python environment (./python.nix).
#
# A pure function without nixpkgs, so tests evaluate it over the real tree:
#   developmentFiles: paths below the root never carried, e.g. "config/settings/local.py"
#     (./project-defaults.nix has the default; other attributes are ignored)
#   relativePath: a path below the root, e.g. "config/settings/local.py"
#   type: "regular", "directory", "symlink" or "unknown" (as builtins.readDir says)
# A directory that is left out is not entered (as in builtins.path).
{ developmentFiles, ... }:
let
  # Directories left out wherever they are: caches, local state, collected files, tests.
  excludedDirectories = [
    "__pycache__"
    "tests"
    "staticfiles"
    "media"
    "logs"
  ];

  matches = pattern: name: builtins.match pattern name != null;

  # .env*, .state, .gitignore, editor files: nothing hidden is production code.
  isHidden = matches "\\..*";
  # db.sqlite3 and its journals (-journal, -wal, -shm).
  isSqlite = matches ".*\\.sqlite3.*";
  isTestModule = matches "(test_.*|.*_test|tests|conftest)\\.py";
  isBytecode = matches ".*\\.py[co]";
  isLog = matches ".*\\.log";
  # The project's build recipe (flake.nix, flake.lock, other .nix files): not code it runs.
  isNix = matches ".*\\.nix|flake\\.lock";

  keepDirectory = name: !(builtins.elem name excludedDirectories);

  isExcludedFile =
    relativePath: name:
    builtins.elem relativePath developmentFiles
    || isSqlite name
    || isTestModule name
    || isBytecode name
    || isLog name
    || isNix name;
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
