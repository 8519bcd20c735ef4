import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { APP_URL } from "./config.js";

export default async () => {
  render(<PromiseBlock />, document.body);
};

async function loadPromise() {
  const order = shopify.order.value;
  if (!order) return null;
  const params = new URLSearchParams({
    order_id: order.id,
    // The random confirmation number proves this page is the buyer's: order ids run in sequence.
    confirmation: order.confirmationNumber ?? "",
    surface: "order-status",
    locale: shopify.localization.language.value?.isoCode ?? "en",
  });
  const token = await shopify.sessionToken.get();
  const response = await fetch(`${APP_URL}/api/checkout/promise?${params}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return response.ok ? response.json() : null;
}

function PromiseBlock() {
  const [promise, setPromise] = useState(null);
  useEffect(() => {
    loadPromise().then(setPromise).catch(() => setPromise(null));
  }, []);
  if (!promise) return null;
  return (
    <s-section heading={promise.deliver_to ? `${promise.ship_by} → ${promise.deliver_to}` : promise.ship_by}>
      <s-stack gap="small-200">
        <s-text>{promise.text}</s-text>
        {promise.policies.map((policy) => (
          <s-text key={policy.kind} color="subdued">{policy.text}</s-text>
        ))}
      </s-stack>
    </s-section>
  );
}
