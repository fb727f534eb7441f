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
 *
 * Pages without JavaScript (also for elements added later):
 *   <form data-op="chat"><input name="text"></form> sends {op: "chat", text: "..."}
 *     on submit, without a reload. Text boxes send text, number boxes numbers (not
 *     sent if empty), checkboxes true or false; the rest is read like data- values.
 *     Then text boxes are emptied and the first focused, unless the box or form has
 *     data-keep. data-guess (box or form) reads typed text like data- values and
 *     leaves empty boxes out, as the playground does.
 *   <button data-op="move" data-dx="1" data-top-speed="2"> sends {op: "move", dx: 1,
 *     top_speed: 2} on click. Values matching /^-?(0|[1-9]\d*)(\.\d+)?$/ are numbers,
 *     "true" and "false" booleans, the rest text ("007" too). In a data-op form a
 *     submit button just submits the form.
 *   <ul data-on="chat"><li>{sender}: {text}</li></ul> adds, for each "chat" message,
 *     a copy of its first child with each {field} filled in as text (never HTML),
 *     and scrolls to it. data-on="chat notice": the second child is for "notice".
 *     Children written in the page are hidden templates. data-show="replace": each
 *     copy replaces the last. A missing field shows empty and warns once. HANDLERS
 *     and wszero.on run as well.
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
    var shown = showMessage(msg);  // data-on elements: see the end of this file
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
    } else if (!tell(op, msg) && !shown && !warned[op]) {
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
    var path = new URL(file, location.href).pathname.slice(1);
    return (!path || /\/$/.test(path) ? path + "index.html" : path) + (line ? ", line " + line : "");
  }

  window.addEventListener("error", function (event) {
    send_message({op: "wszero:page-error", message: String(event.message), where: where(event.filename, event.lineno)});
  });
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason || {};
    var at = /(https?:\/\/[^\s)]+):(\d+):\d+/.exec(reason.stack || "") || [];
    send_message({op: "wszero:page-error", message: "a Promise failed: " + (reason.message || reason),
                  where: where(at[1], at[2])});
  });

  // ---- Pages without JavaScript: data-op and data-on (rules at the top) ----
  // Elements are looked up when used, so ones that React, Vue or a script add later work.

  var TYPED = /^(text|search|email|url|tel|password)$/;  // input types a person types text into
  var COPY = "data-wszero-copy";  // on what data-on shows; the other children are templates
  var early = document.readyState === "loading" ? [] : null;  // messages from before the page was read
  var warnedOnce = {};
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var hide = document.createElement("style");
  hide.textContent = "[data-on]>:not([" + COPY + "]){display:none!important}";
  (document.head || document.documentElement).appendChild(hide);

  function warnOnce(key, text) {
    if (!warnedOnce[key]) console.warn("wszero: " + text);
    warnedOnce[key] = true;
  }

  // A value written in the page, like "3", "true" or "red", as 3, true or "red".
  function guess(text) {
    if (/^-?(0|[1-9]\d*)(\.\d+)?$/.test(text)) return Number(text);
    return text === "true" ? true : text === "false" ? false : text;
  }

  function typedIn(field) {
    return field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && TYPED.test(field.type));
  }

  function marked(field, attribute) {
    return field.hasAttribute(attribute) || field.form.hasAttribute(attribute);
  }

  function formMessage(form, submitter) {
    var msg = {op: form.getAttribute("data-op")};
    each(form.elements, function (field) {
      var name = field.name, type = field.type, value = field.value, number = /^(number|range)$/.test(type);
      if (!name || field.disabled || /^(file|fieldset|reset|button)$/.test(type)) return;
      if (type === "radio" && !field.checked) return;  // only the chosen one
      if (/^(submit|image)$/.test(type) && field !== submitter) return;  // only the pressed one
      var guessing = marked(field, "data-guess");
      if (type === "checkbox") msg[name] = field.checked;
      else if (value === "" && (number || guessing)) return;  // left out, so a handler's default applies
      else if (number) msg[name] = Number(value);
      else msg[name] = typedIn(field) && !guessing ? value : guess(value);
    });
    return msg;
  }

  function emptyTextBoxes(form) {
    var first = null;
    each(form.elements, function (field) {
      if (!field.name || !typedIn(field) || marked(field, "data-keep")) return;
      field.value = "";
      first = first || field;
    });
    if (first) first.focus();
  }

  function clickMessage(element) {
    var msg = {op: element.getAttribute("data-op")};
    each(element.attributes, function (attribute) {
      if (/^data-(?!op$|wszero)/.test(attribute.name)) {
        msg[attribute.name.slice(5).replace(/-/g, "_")] = guess(attribute.value);
      }
    });
    return msg;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-op")) return;
    event.preventDefault();  // no page reload
    send_message(formMessage(form, event.submitter));
    emptyTextBoxes(form);
  });

  document.addEventListener("click", function (event) {
    var element = event.target.closest ? event.target.closest("[data-op]") : null;
    if (!element || element.tagName === "FORM") return;
    var form = element.form;  // a submit button of a data-op form: the form sends, once
    if (form && form.hasAttribute("data-op") && /^(submit|image)$/.test(element.type)) return;
    event.preventDefault();  // no form submitted, no link followed
    send_message(clickMessage(element));
  });

  // Shows msg in each element whose data-on names its op. True if there is one.
  function showMessage(msg) {
    if (early) {
      early.push(msg);  // shown once the page has been read
      return true;
    }
    var places = document.querySelectorAll('[data-on~="' + CSS.escape(String(msg.op)) + '"]');
    each(places, function (place) {
      var templates = Array.prototype.filter.call(place.children, function (child) {
        return !child.hasAttribute(COPY);
      });
      var template = templates[place.getAttribute("data-on").trim().split(/\s+/).indexOf(msg.op)] || templates[0];
      if (!template) {
        return warnOnce(msg.op, "data-on=\"" + msg.op + "\" needs an element inside to copy, like <li>{text}</li>.");
      }
      var copy = template.cloneNode(true);
      var replace = place.getAttribute("data-show") === "replace";
      copy.setAttribute(COPY, "");
      fill(copy, msg);
      if (replace) each(place.querySelectorAll(":scope>[" + COPY + "]"), function (old) { old.remove(); });
      place.appendChild(copy);
      if (!replace) scrollToCopy(place, copy);
    });
    return places.length > 0;
  }

  if (early) {
    document.addEventListener("DOMContentLoaded", function () {
      var waited = early;
      early = null;
      waited.forEach(showMessage);
    });
  }

  // A message never becomes code: on... attributes and srcdoc aren't filled,
  // and a link that would run JavaScript is left empty.
  function fill(node, msg) {
    if (node.nodeType === Node.TEXT_NODE) node.nodeValue = fillText(node.nodeValue, msg);
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    each(node.attributes, function (attribute) {
      if (/^on|^srcdoc$/i.test(attribute.name) || attribute.value.indexOf("{") < 0) return;
      var value = fillText(attribute.value, msg);
      attribute.value = /^javascript:/i.test(value.replace(/[\0- ]/g, "")) ? "" : value;
    });
    each(node.childNodes, function (child) { fill(child, msg); });
  }

  function fillText(text, msg) {
    return text.replace(/\{(\w+)\}/g, function (placeholder, field) {
      var value = msg[field];
      if (!Object.prototype.hasOwnProperty.call(msg, field)) {
        warnOnce(msg.op + " " + field, "a \"" + msg.op + "\" message came without " + field + ", so {" +
                 field + "} shows as empty. Add " + field + "=... where Python sends \"" + msg.op + "\".");
        return "";
      }
      return value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);
    });
  }

  // A list that scrolls by itself scrolls to its end; otherwise the page scrolls to the copy.
  function scrollToCopy(place, copy) {
    if (/auto|scroll/.test(getComputedStyle(place).overflowY) && place.scrollHeight > place.clientHeight) {
      place.scrollTop = place.scrollHeight;
    } else {
      copy.scrollIntoView({block: "nearest"});
    }
  }

  handlers();
  window.send_message = send_message;
  window.wszero = wszero;
  connect();
})();
