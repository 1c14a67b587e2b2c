// "获取验证码": while a new code may not be asked for yet, the button counts down and stays disabled.
(function () {
  "use strict";
  var buttons = document.querySelectorAll(".sms-code-send");
  Array.prototype.forEach.call(buttons, function (button) {
    var left = parseInt(button.dataset.resendAfter || "0", 10);
    if (!left) { return; }
    var label = button.textContent;
    var wait = button.dataset.textWait || "{s}";
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.disabled = true;
      button.textContent = wait.replace("{s}", String(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  });
}());
