"""ConfigurableResources, each configured from the environment."""
