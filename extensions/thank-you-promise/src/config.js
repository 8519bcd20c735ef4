// The app's public URL (SHOPIFY_APP_URL). Requests carry the extension's session token.
export const APP_URL = "https://shippromise.example.com";
