from shop_plugin import create_app

app = create_app()
