"""A local imitation of one Shopify store, for developing ShipPromise without a real shop.

It sends signed webhooks to the app and answers the Admin API calls the app makes. Development
only: the app never imports it.
"""
from simulator.app import create_simulator_app

__all__ = ["create_simulator_app"]
