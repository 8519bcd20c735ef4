// Fills each ShipPromise block with the estimate for an order placed now. Text only, never HTML.
(function () {
  function fill(block, promise) {
    var line = document.createElement("p");
    line.className = "shippromise-estimate__text";
    line.textContent = promise.text;
    block.replaceChildren(line);
    if (block.dataset.policies !== "true") return;
    (promise.policies || []).forEach(function (policy) {
      var item = document.createElement("p");
      item.className = "shippromise-estimate__policy";
      item.textContent = policy.text;
      block.appendChild(item);
    });
  }

  document.querySelectorAll(".shippromise-estimate").forEach(function (block) {
    var params = new URLSearchParams({
      product_id: block.dataset.product || "",
      vendor: block.dataset.vendor || "",
      tags: block.dataset.tags || "",
      country: block.dataset.country || "",
      locale: block.dataset.locale || "",
    });
    fetch(block.dataset.endpoint + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (promise) { if (promise) fill(block, promise); })
      .catch(function () {});
  });
})();
