"""Delivering owed posts: every instance runs a deliverer over the outbox (storage/outbox.py).

A deliverer claims due rows in batches under a lease, renders each in its conversation's
language and posts it through the platform's ``Chat`` port, and records the message it made
(a round's parent post becomes the thread its questions wait for). A failure is retried with
exponential backoff and jitter, across restarts and instances, until the post is delivered
or no longer useful; then it is given up and the admins are told privately.

Exactly once: a row is marked "in flight" before the platform call and cleared when the
outcome is known. A row still in flight at its next attempt (a timeout, a crash) may have
arrived: where the platform can look (Slack: message metadata), it is looked up before
anything is posted again; where it cannot (Teams), it is not posted again blindly.

The package, by job: ``owing`` takes on what is owed (in the deciding transaction),
``deliverer`` claims and delivers rows (one conversation's in order, chains of a round's
posts), ``plans`` decides what a row sends, ``outcomes`` records how an attempt ended,
``notices`` words what the admins are told, ``rules`` keeps the stateless rules.
"""

from bot.delivery.deliverer import Delivery
from bot.delivery.rules import backoff, opens_late

__all__ = ["Delivery", "backoff", "opens_late"]
