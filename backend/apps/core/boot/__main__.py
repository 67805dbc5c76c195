"""python -m apps.core.boot [serve | migrate | check | worker | beat | healthcheck [worker | beat]
| manage ARGS...]"""

from apps.core.boot.cli import main

main()
