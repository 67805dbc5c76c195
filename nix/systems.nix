# The systems the flake builds for; docs/NIX_LIBRARY.md's table says which outputs each one has.
[
  "x86_64-linux"
  "aarch64-linux"
]
