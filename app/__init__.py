"""The composition root above both entry points (bot, admin API): the root, each part's wiring, the jobs, the CLI."""
