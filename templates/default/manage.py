#!/usr/bin/env python
"""Django's command-line utility. Development settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import sys


def main() -> None:
    from keelson.settings import load_settings_or_exit

    load_settings_or_exit(default="config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
