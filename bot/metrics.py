"""Prometheus metrics, served at /metrics by `maturitybot run`.

Counters only count events, never who or what: no user ids, no answer levels, no text.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

QUESTIONS = Counter(
    "maturitybot_questions_total", "Questions about the model answered, by intent", ["intent"]
)
ANSWERS = Counter(
    "maturitybot_answers_total",
    "Pulse answers received, by outcome (recorded, changed, closed, no round)",
    ["outcome"],
)
POSTS = Counter(
    "maturitybot_posts_total", "Messages sent to chat platforms, by platform and kind",
    ["platform", "kind"],
)  # fmt: skip
RATE_LIMIT_RETRIES = Counter(
    "maturitybot_rate_limit_retries_total", "Platform calls retried after a 429", ["platform"]
)
HANDLER_ERRORS = Counter(
    "maturitybot_handler_errors_total", "Unexpected errors while handling an event", ["platform"]
)
OWED = Counter(
    "maturitybot_owed_posts_total", "Posts the bot took on to deliver (outbox rows), by kind",
    ["kind"],
)  # fmt: skip
DELIVERED = Counter("maturitybot_owed_delivered_total", "Owed posts delivered, by kind", ["kind"])
RETRIED = Counter(
    "maturitybot_owed_retried_total", "Owed posts whose delivery failed and will be retried",
    ["kind"],
)  # fmt: skip
GIVEN_UP = Counter(
    "maturitybot_owed_given_up_total", "Owed posts given up (no longer useful or refused)",
    ["kind"],
)  # fmt: skip
BACKLOG = Gauge("maturitybot_owed_backlog", "Owed posts not yet delivered (all instances)")
OLDEST_SECONDS = Gauge(
    "maturitybot_owed_oldest_seconds", "Age of the oldest owed post not yet delivered"
)
REQUEST_SECONDS = Histogram(
    "maturitybot_request_seconds",
    "Time to answer an inbound HTTP request (the ack, for platform events)",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def exposition() -> tuple[bytes, str]:
    """The current metrics in the Prometheus text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
