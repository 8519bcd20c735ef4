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

  // A Shopify tag cannot contain a comma, so the tags travel joined with one; a vendor can
  // ("Acme, Inc."), so it travels whole as its own parameter (URLSearchParams encodes both).
  // The URL stays well under the app's 8 KB request line: tags past TAGS_BUDGET are left out.
  var TAGS_BUDGET = 6000;

  function tagsParam(joined) {
    var budget = TAGS_BUDGET;
    return joined.split(",").filter(function (tag) {
      budget -= encodeURIComponent(tag).length + 3;
      return budget >= 0;
    }).join(",");
  }

  document.querySelectorAll(".shippromise-estimate").forEach(function (block) {
    var params = new URLSearchParams({
      product_id: block.dataset.product || "",
      vendor: block.dataset.vendor || "",
      tags: tagsParam(block.dataset.tags || ""),
      country: block.dataset.country || "",
      locale: block.dataset.locale || "",
    });
    fetch(block.dataset.endpoint + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (promise) { if (promise) fill(block, promise); })
      .catch(function () {});
  });
})();
