// Pay page: show the total (dues for the chosen months + voluntary extra) before paying.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form) { return; }
  var rateCents = Math.round(parseFloat(form.dataset.rate) * 100);
  var unpaid = (form.dataset.unpaid || "").split(",").filter(Boolean).map(Number);
  var through = form.querySelector("[name=through_month]");
  var extra = form.querySelector("[name=extra_amount]");
  var total = document.getElementById("pay-total");
  var breakdown = document.getElementById("pay-breakdown");

  function cents(text) {
    var m = /^\s*(\d{0,7})(?:\.(\d{0,2}))?\s*$/.exec(text || "0");
    if (!m) { return null; }
    return parseInt(m[1] || "0", 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  // The words come translated from the page (data-text-*): {name} marks a value.
  var text = {months: form.dataset.textMonths, extra: form.dataset.textExtra, close: form.dataset.textClose};
  function fill(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (all, name) { return String(values[name]); });
  }
  function money(c) { return (Math.floor(c / 100)) + "." + ("0" + (c % 100)).slice(-2); }
  // A bad extra amount (negative, letters, more than two decimals): say so beside the field, in the server's
  // words, instead of a total that cannot be computed.
  var totalLine = total.closest(".dues-total");
  var field = extra.closest(".field");
  var extraError = document.createElement("p");
  extraError.className = "error";
  extraError.id = "pay-extra-error";
  extraError.setAttribute("role", "alert");
  extraError.setAttribute("data-testid", "pay-extra-error");
  extraError.textContent = form.dataset.textInvalidExtra || "";
  function showExtraError(bad) {
    var serverError = field && field.querySelector("p.error:not(#pay-extra-error)");
    if (bad && !extraError.parentNode && !serverError) { extra.insertAdjacentElement("afterend", extraError); }
    if (!bad && extraError.parentNode) { extraError.parentNode.removeChild(extraError); }
    if (field) { field.classList.toggle("invalid", bad || !!serverError); }
    extra.setAttribute("aria-invalid", bad ? "true" : "false");
    if (bad) { extra.setAttribute("aria-describedby", "pay-extra-error"); } else { extra.removeAttribute("aria-describedby"); }
    if (totalLine) { totalLine.hidden = bad; }
  }
  function update() {
    var last = parseInt(through.value, 10);
    var count = unpaid.filter(function (m) { return m <= last; }).length;
    var extraCents = cents(extra.value);
    showExtraError(extraCents === null);
    if (extraCents === null) { return; }
    total.textContent = money(count * rateCents + extraCents);
    breakdown.textContent = fill(text.months, {count: count, amount: money(count * rateCents)}) +
      (extraCents ? fill(text.extra, {amount: money(extraCents)}) : "") + text.close;
  }
  through.addEventListener("change", update);
  extra.addEventListener("input", update);
  update();
}());
