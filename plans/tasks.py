"""Background tasks (Django's tasks framework, on the database: docs/webhooks.md)."""

from django_tasks import task

from plans import delivery


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int, attempt: int) -> str:
    """Make attempt number `attempt` at a webhook delivery (`plans.delivery.attempt`)."""
    return delivery.attempt(delivery_id, attempt)
