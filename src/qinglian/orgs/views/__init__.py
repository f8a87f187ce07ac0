"""Pages of the register, one module per area."""
