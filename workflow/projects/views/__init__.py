"""workflow.projects.views."""
