"""The app's plain state: what a screen remembers between messages, with no Textual and no I/O.

A screen owns these objects and keeps only the Textual glue (widgets, keys, workers' messages):
page_cache (a pool's pages by position), pool_filter (the whole-pool filter), drains (numbers
waiting to leave), marks and pending (the pool's marked rows and unsaved reservation changes),
simulations (the app's running traffic simulations).
"""
