"""The public-services monitoring: territorial units (TERYT), source variables with their values
and provenance, indicator definitions as data, and the one algorithm computing indicators for
units and groups (docs/decisions/0028). Pages, API and groups come later."""
