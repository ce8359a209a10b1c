"""What the service tells its operators: Prometheus metrics and the store observed for them."""
