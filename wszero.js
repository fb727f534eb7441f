/* wszero.js: the browser half of wszero. No build step, no dependencies.
 *
 *   window.HANDLERS        maps an op to a function(msg) that the server's messages call
 *   window.send_message()  sends an object with an op, like {op: "chat", text: "hi"}
 *   window.wszero          the same, and for bigger pages:
 *     wszero.state             "connecting", "open" or "closed" (trying again soon); each
 *                              change is an event: wszero.on("wszero:state", fn), or
 *                              window.addEventListener("wszero:state", fn)
 *     wszero.on(op, fn)        calls fn(msg) for each op message ("*": every message);
 *                              returns a function that stops it
 *     wszero.request(op, params, {timeout: ms})
 *                              a Promise of the handler's return value; it fails with the
 *                              server's explanation, or after 10 seconds with no answer
 *
 * Settings, made before this script loads: window.WSZERO = {url: "ws://host:8000/ws",
 * badge: false}. Without url it connects to the server it was loaded from.
 *
 * It reconnects by itself when the connection drops (waiting longer after each
 * try), keeps what the page sends meanwhile and sends it afterwards, and shows
 * a small "reconnecting..." badge. After a short drop the server still knows
 * the page as the same client. It runs eval_js scripts, and shows the server's
 * errors in the console; errors in the page show in the server's terminal.
 */
(function () {
  "use strict";
  if (window.wszero && window.wszero.send_message) return;  // loaded twice: keep the first
  var PROTOCOL = 1;
  var MAX_WAITING = 1000;
  var WRONG_VERSION = 4001;
  var config = window.WSZERO || {};
  var me = document.currentScript;
  var home = new URL(typeof WSZERO_MODULE_URL !== "undefined" ? WSZERO_MODULE_URL :
                     me && me.src ? me.src : location.href, location.href);
  var address = config.url || (home.protocol === "https:" ? "wss://" : "ws://") + home.host + "/ws";
  var socket = null;
  var waiting = [];   // messages sent while not connected, in order
  var tries = 0;
  var resume = "";    // the server's token for this page, to be the same client after a drop
  var warned = {};
  var listeners = {};  // op -> list of functions
  var replies = {};    // request id -> {resolve, reject, timer}
  var requests = 0;

  var wszero = {
    state: "connecting",
    badge: config.badge !== false,
    send_message: send_message,
    on: on,
    request: request
  };

  function request(op, params, options) {
    var id = ++requests;
    var timeout = (options && options.timeout) || 10000;
    var msg = {op: op};
    for (var key in params || {}) msg[key] = params[key];
    msg["wszero:id"] = id;
    return new Promise(function (resolve, reject) {
      replies[id] = {resolve: resolve, reject: reject, timer: setTimeout(function () {
        delete replies[id];
        reject(new Error("wszero: no answer to \"" + op + "\" after " + timeout / 1000 + " seconds"));
      }, timeout)};
      send_message(msg);
    });
  }

  function answer(id, error, result) {
    var waiter = replies[id];
    if (!waiter) return;
    delete replies[id];
    clearTimeout(waiter.timer);
    if (error) waiter.reject(new Error(error)); else waiter.resolve(result);
  }

  var badge = null;
  function showBadge(show) {
    if (show && wszero.badge && !badge && document.body) {
      badge = document.createElement("div");
      badge.textContent = "reconnecting\u2026";
      badge.setAttribute("role", "status");
      badge.style.cssText = "position:fixed;right:8px;bottom:8px;z-index:2147483647;padding:2px 8px;" +
        "border-radius:9px;background:rgba(0,0,0,.6);color:#fff;font:12px sans-serif;pointer-events:none";
      document.body.appendChild(badge);
    } else if (!show && badge) {
      badge.remove();
      badge = null;
    }
  }

  function on(op, fn) {
    (listeners[op] = listeners[op] || []).push(fn);
    return function off() {
      var list = listeners[op] || [];
      if (list.indexOf(fn) >= 0) list.splice(list.indexOf(fn), 1);
    };
  }

  function tell(op, msg) {
    var list = listeners[op];
    if (!list) return false;
    list.slice().forEach(function (fn) { fn(msg); });
    return list.length > 0;
  }

  function handlers() {
    return window.HANDLERS || (window.HANDLERS = {});
  }

  function setState(state) {
    if (wszero.state === state) return;
    wszero.state = state;
    showBadge(state === "closed" || (state === "connecting" && tries > 0));
    tell("wszero:state", {op: "wszero:state", state: state});
    window.dispatchEvent(new CustomEvent("wszero:state", {detail: state}));
  }

  function send_message(msg) {
    if (!msg || typeof msg !== "object" || typeof msg.op !== "string") {
      console.error("wszero: send_message needs an object with an op, like send_message({op: \"chat\", text: \"hi\"})");
      return;
    }
    var text = JSON.stringify(msg);
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(text);
    } else if (waiting.length < MAX_WAITING) {
      waiting.push(text);
    } else {
      console.error("wszero: not connected, and " + MAX_WAITING + " messages are already waiting, so this one was dropped.");
    }
  }

  function receive(event) {
    var msg = JSON.parse(event.data);
    var op = msg.op;
    tell("*", msg);
    if (op === "wszero:hello") {
      resume = msg.resume;
      if (msg.version !== PROTOCOL) {
        console.error("wszero: this page's wszero.js speaks version " + PROTOCOL +
                      " but the server speaks version " + msg.version + ". Reload the page.");
      }
    } else if (op === "wszero:reply") {
      answer(msg.id, null, msg.result);
    } else if (op === "wszero:eval") {
      (0, eval)(msg.script);  // indirect eval: the script runs at the top level of the page
    } else if (op === "wszero:error") {
      if (msg.id !== undefined && replies[msg.id]) answer(msg.id, msg.error);
      else console.error("wszero: " + msg.error);
    } else if (op === "wszero:reload") {
      location.reload();
    } else if (typeof handlers()[op] === "function") {
      tell(op, msg);
      handlers()[op](msg);
    } else if (!tell(op, msg) && !warned[op]) {
      warned[op] = true;
      console.warn("wszero: the server sent \"" + op + "\", but HANDLERS has no function for it. " +
                   "Add one: HANDLERS[\"" + op + "\"] = function (msg) { ... }");
    }
  }

  function connect() {
    setState("connecting");
    socket = new WebSocket(address + (address.indexOf("?") < 0 ? "?" : "&") + "v=" + PROTOCOL +
                           (resume ? "&resume=" + encodeURIComponent(resume) : ""));
    socket.onopen = function () {
      tries = 0;
      setState("open");
      var queued = waiting;
      waiting = [];
      queued.forEach(function (text) { socket.send(text); });
    };
    socket.onmessage = receive;
    socket.onclose = function (event) {
      socket = null;
      setState("closed");
      if (event.code === 1009) {
        console.error("wszero: a message was too big (the limit is 1 MB), so the server closed the connection.");
      }
      if (event.code === WRONG_VERSION) return;  // the server explained why; trying again won't help
      // Wait longer after each failed try, with a random part so that a
      // whole classroom doesn't reconnect in the same instant.
      var delay = Math.min(10000, 250 * Math.pow(2, tries++)) * (0.5 + Math.random());
      setTimeout(connect, delay);
    };
  }

  function where(file, line) {
    if (!file) return "";
    return file.replace(location.origin, "").replace(/^\//, "") + (line ? ", line " + line : "");
  }

  window.addEventListener("error", function (event) {
    send_message({op: "wszero:page-error", message: String(event.message), where: where(event.filename, event.lineno)});
  });
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason;
    send_message({op: "wszero:page-error", message: "a Promise failed: " + (reason && reason.message || reason), where: ""});
  });

  handlers();
  window.send_message = send_message;
  window.wszero = wszero;
  connect();
})();
