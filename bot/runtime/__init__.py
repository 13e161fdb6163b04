"""Running the product: the list of processes (``processes``) and their ``supervisor``."""
