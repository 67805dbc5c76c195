"""python -m keelson: the `keelson` command (keelson.cli)."""

from keelson.cli import main

main()
