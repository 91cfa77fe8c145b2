"""workflow.consultation.views."""
