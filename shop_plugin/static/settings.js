// Save the rules through the JSON API with App Bridge's session token; show errors by field.
(function () {
  var save = document.getElementById("save");
  if (!save) return;
  var errors = document.getElementById("rule-errors");
  var status = document.getElementById("save-status");

  function showErrors(map) {
    errors.replaceChildren();
    Object.keys(map).sort().forEach(function (field) {
      var item = document.createElement("li");
      var name = document.createElement("strong");
      name.textContent = field || "settings";
      item.append(name, " " + map[field]);
      errors.appendChild(item);
    });
    errors.hidden = Object.keys(map).length === 0;
  }

  save.addEventListener("click", async function () {
    var document_;
    try {
      document_ = JSON.parse(document.getElementById("rules").value);
    } catch (e) {
      showErrors({"": "is not valid JSON: " + e.message});
      return;
    }
    status.textContent = "Saving…";
    var token = await window.shopify.idToken();
    var response = await fetch("/api/settings", {
      method: "PUT",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
      body: JSON.stringify(document_),
    });
    var body = await response.json();
    if (response.ok) {
      showErrors({});
      status.textContent = "Saved (version " + body.version + ").";
    } else {
      showErrors(body.errors || {"": "could not be saved"});
      status.textContent = "";
    }
  });
})();
