/* wszero.js: the browser half of wszero. No build step, no dependencies.
 *
 *   window.HANDLERS        maps an op to a function(msg) that the server's messages call
 *   window.send_message()  sends an object with an op, like {op: "chat", text: "hi"}
 *   window.wszero          the same, plus the connection's state and listeners:
 *                          wszero.on(op, fn) calls fn(msg) for each op message ("*": every
 *                          message) and returns a function that stops it
 *
 * It connects to the server it was loaded from (path /ws), waits and reconnects
 * when the connection drops, runs eval_js scripts, and shows the server's error
 * messages in the console. Errors in the page are sent to the server's terminal.
 */
(function () {
  "use strict";
  var PROTOCOL = 1;
  var MAX_WAITING = 1000;
  var me = document.currentScript;
  var home = new URL(me && me.src ? me.src : location.href, location.href);
  var address = (home.protocol === "https:" ? "wss://" : "ws://") + home.host + "/ws";
  var socket = null;
  var waiting = [];   // messages sent while not connected, in order
  var tries = 0;
  var warned = {};
  var listeners = {};  // op -> list of functions

  var wszero = {
    state: "connecting",  // "connecting", "open" or "closed" (trying again soon)
    send_message: send_message,
    on: on
  };

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
      if (msg.version !== PROTOCOL) {
        console.error("wszero: this page's wszero.js speaks version " + PROTOCOL +
                      " but the server speaks version " + msg.version + ". Reload the page.");
      }
    } else if (op === "wszero:eval") {
      (0, eval)(msg.script);  // indirect eval: the script runs at the top level of the page
    } else if (op === "wszero:error") {
      console.error("wszero: " + msg.error);
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
    socket = new WebSocket(address);
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
