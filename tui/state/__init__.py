"""The app's plain state: what a screen remembers between messages, with no Textual and no I/O.

A screen owns these objects and keeps only the Textual glue (widgets, keys, workers' messages):
pool_view (the whole pool of the open Service: paging, sort and filter over all of it),
pool_query (the sort and the filters), marks and pending (the pool's marked rows and unsaved
reservation changes), drains (numbers waiting to leave), command_line (command mode: parsing,
completion, history), export (numbers as CSV or Twilio's JSON), simulations (the app's running
traffic simulations).
"""
