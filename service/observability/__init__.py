"""What the service tells its operators: Prometheus metrics, and the job observer feeding them."""
