"""One module per webhook topic (topic 'orders/create' → orders_create.py), each with handle(ctx)."""
