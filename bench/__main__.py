"""``python -m bench`` (or ``make bench``): prints the project's performance figures."""

from bench.setup import setup_django

setup_django()

from bench import event_delivery, graph_lists, uploads, web_client  # noqa: E402

graph_lists.run()
event_delivery.run()
uploads.run()
web_client.run()
