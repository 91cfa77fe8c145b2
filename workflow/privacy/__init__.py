"""Personal data: retention (what is pruned or pseudonymised, and when), a person's data
found and shown on request, and erasure by pseudonymisation. docs/personal-data.md."""
