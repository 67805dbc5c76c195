"""Test-only Django pieces (settings, views, apps). Never in the image: nix/source.nix
takes backend/ only, and these live under tests/."""
