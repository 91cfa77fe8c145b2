"""workflow.messaging.views."""
