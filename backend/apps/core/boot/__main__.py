"""python -m apps.core.boot [serve | migrate | check | healthcheck | manage ARGS...]"""

from apps.core.boot.cli import main

main()
