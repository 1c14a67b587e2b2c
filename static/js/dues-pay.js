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
  function money(c) { return (Math.floor(c / 100)) + "." + ("0" + (c % 100)).slice(-2); }
  function update() {
    var last = parseInt(through.value, 10);
    var count = unpaid.filter(function (m) { return m <= last; }).length;
    var extraCents = cents(extra.value);
    if (extraCents === null) { total.textContent = "-"; breakdown.textContent = ""; return; }
    total.textContent = money(count * rateCents + extraCents);
    breakdown.textContent = "（" + count + "个月 ¥" + money(count * rateCents) +
      (extraCents ? " + 自愿多交 ¥" + money(extraCents) : "") + "）";
  }
  through.addEventListener("change", update);
  extra.addEventListener("input", update);
  update();
}());
