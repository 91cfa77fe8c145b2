"""Domain operations. Views and tasks call these; these never import views, forms or worker."""
