"""The bare-Django baseline: one view returning a small JSON body, no middleware, no apps.

It is the ceiling for the throughput figures: whatever our backend adds per request
(middleware, logging, settings) shows as the distance from this project.
"""
