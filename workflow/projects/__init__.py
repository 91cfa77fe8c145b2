"""The project package of a strategy: projects, cost shares, schedules, feasibility
analyses, the key project."""
