// Order page: open WeChat Pay in the order's channel and wait for the result.
//  - jsapi (inside WeChat): WeixinJSBridge getBrandWCPayRequest with the server-signed parameters;
//  - h5 (a phone browser): to WeChat's h5_url once (the link stays for another try);
//  - back from paying, or while the QR code is shown: ask the server until the order is no longer pending.
(function () {
  "use strict";
  var node = document.getElementById("pay-data");
  if (!node) { return; }
  var data = JSON.parse(node.textContent);
  var message = document.getElementById("pay-message");

  function say(key) {
    if (!message) { return; }
    message.textContent = message.dataset[key] || "";
    message.hidden = false;
  }

  function poll(tries) {
    if (tries <= 0) { return; }
    window.setTimeout(function () {
      fetch(data.poll_url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (orders) {
          var mine = (orders || []).filter(function (o) { return o.order_no === data.order_no; })[0];
          if (mine && mine.status !== "pending") {
            window.location.replace(data.result_url);
          } else {
            poll(tries - 1);
          }
        })
        .catch(function () { poll(tries - 1); });
    }, 3000);
  }

  function jsapiPay() {
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", data.pay_params, function (res) {
      var result = (res && res.err_msg) || "";
      if (result === "get_brand_wcpay_request:ok") {
        window.location.replace(data.result_url);
      } else if (result === "get_brand_wcpay_request:cancel") {
        say("textCancel");
      } else {
        say("textFail");
      }
    });
  }

  function whenBridge(run) {
    if (typeof window.WeixinJSBridge !== "undefined") {
      run();
    } else if (/MicroMessenger/i.test(navigator.userAgent)) {
      document.addEventListener("WeixinJSBridgeReady", run, false);
    } else {
      say("textNoWechat");
    }
  }

  if (data.returned) {
    poll(40);
    return;
  }
  if (data.channel === "jsapi" && data.pay_params) {
    var button = document.getElementById("pay-jsapi");
    if (button) { button.addEventListener("click", function () { whenBridge(jsapiPay); }); }
    whenBridge(jsapiPay);
  } else if (data.channel === "h5" && data.h5_url) {
    var key = "dues-h5-opened:" + data.order_no;
    var opened = false;
    try { opened = window.sessionStorage.getItem(key) === "1"; window.sessionStorage.setItem(key, "1"); }
    catch (e) { opened = false; }
    if (!opened) {
      window.location.assign(data.h5_url);
    } else {
      poll(40);
    }
  } else {
    poll(200);  // the QR code: the page notices the payment made on another phone
  }
})();
