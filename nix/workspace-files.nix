# The repository files uv2nix reads and builds the keelson package from (./lib.nix names
# them keelsonSource, ./python.nix builds from it):
# the lock, pyproject.toml, the package's source and the files pyproject.toml names
# (`readme`, `license-files`). Only these: editing the example backend or the tests does
# not rebuild the Python environments. Paths relative to the repository root; a plain
# list, so tests/support builds keelson off Nix from the same files.
[
  "pyproject.toml"
  "uv.lock"
  "README.md"
  "LICENSE"
  "src"
]
