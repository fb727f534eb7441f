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
 * badge: false, errors: false}. Without url it connects to the server it was loaded from.
 *
 * It reconnects by itself when the connection drops (waiting longer after each
 * try), keeps what the page sends meanwhile and sends it afterwards, and shows
 * a small "reconnecting..." badge. After a short drop the server still knows
 * the page as the same client. It runs eval_js scripts. Errors in the page show
 * in the server's terminal too.
 *
 * The error panel, a small box in a corner (role="alert"), shows the sentences
 * a child needs: the server's errors that no wszero.request is waiting for, errors
 * in the page's own JavaScript ("Error in the page (index.html, line 3): ..."),
 * data-on warnings, and a page opened as a file (file:), which can't reach the
 * program. It keeps the last 3, counts a repeated line ("(x3)"), and has a
 * close button. The console gets every line. Off with errors: false, or when the
 * server's wszero:hello says show_errors: false (run_server(show_errors=False)).
 * A message that nothing shows (no HANDLERS entry, wszero.on or data-on) gets a
 * hint in the console, with "did you mean" for a data-on name close to its op.
 *
 * Pages without JavaScript (also for elements added later):
 *   <form data-op="chat"><input name="text"></form> sends {op: "chat", text: "..."}
 *     on submit, without a reload. Text boxes send text, number boxes numbers (not
 *     sent if empty), checkboxes true or false; the rest is read like data- values.
 *     Then text boxes are emptied and the first focused, unless the box or form has
 *     data-keep. data-guess (box or form) reads typed text like data- values and
 *     leaves empty boxes out, as the playground does; data-guess="text" on a box
 *     leaves it out when empty, and sends what is typed as text ("true" too).
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
 *   <p data-on="score">Score: {points}</p>: an element with only text (no element
 *     inside) is its own template. Each message replaces the text, so it shows the
 *     latest one. It stays hidden until the first message, so "{points}" never shows.
 *   <ol data-on="scores" data-each="players"><li>{name}: {points}</li></ol> makes a
 *     copy for each item of the message's players list, in place of the last
 *     message's copies. An object item fills {field}s from itself, then from the
 *     message; a plain item (text or a number) fills {item}. No list: empty, and a
 *     warning.
 *   <body data-keys> tells the server which keys are held: {op: "wszero:keydown",
 *     key: "left"} when one goes down and "wszero:keyup" when it comes up; Python
 *     sees client.keys. Names: left right up down space enter, a-z, 0-9.
 *     data-keys="left right space" listens for those only. Not counted: keys typed
 *     in a box (input, textarea, select, contenteditable), keys with Ctrl, Alt or
 *     Cmd, and the keyboard repeating a held key. When the page loses the focus, is
 *     hidden or closes, every held key comes up. Arrows and space don't scroll.
 *   <button data-op="jump" data-key="space"> is clicked by that key too (outside
 *     text boxes, once per press). Any element can have it: a form's button submits
 *     the form, and a form with data-key is submitted. data-key itself is not sent.
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

  // The error panel (rules at the top): the same sentences as the terminal, where a child looks.
  var panel = null;
  var panelLines = [];  // [sentence, how many times in a row], the newest last
  var showErrors = config.errors !== false;

  function complain(text) {
    console.error("wszero: " + text);
    showError(text);
  }

  function showError(text) {
    if (!showErrors) return;
    var last = panelLines[panelLines.length - 1];
    if (last && last[0] === text) last[1]++;
    else panelLines.push([text, 1]);
    if (panelLines.length > 3) panelLines.shift();
    drawPanel();
  }

  function drawPanel() {
    if (!document.body || !panelLines.length) return;  // drawn once the page has been read
    if (!panel || !panel.isConnected) {
      panel = document.createElement("div");
      panel.setAttribute("role", "alert");
      panel.style.cssText = "position:fixed;left:8px;bottom:8px;z-index:2147483647;box-sizing:border-box;" +
        "max-width:40em;max-height:40vh;overflow:auto;padding:4px 10px;border:2px solid #c00;border-radius:6px;" +
        "background:#fff;color:#000;font:14px/1.4 sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3)";
      document.body.appendChild(panel);
    }
    panel.textContent = "";
    var close = document.createElement("button");
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "float:right;margin-left:8px;border:0;background:none;font:20px/1 sans-serif;cursor:pointer";
    close.onclick = hidePanel;
    panel.appendChild(close);
    panelLines.forEach(function (line) {
      var sentence = document.createElement("p");
      sentence.style.margin = "4px 0";
      sentence.textContent = line[0] + (line[1] > 1 ? " (\u00d7" + line[1] + ")" : "");
      panel.appendChild(sentence);
    });
  }

  function hidePanel() {
    panelLines = [];
    if (panel) panel.remove();
    panel = null;
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
      if (msg.show_errors === false) {  // a finished game: the console only
        showErrors = false;
        hidePanel();
      }
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
      else complain(msg.error);
    } else if (op === "wszero:reload") {
      location.reload();
    } else if (typeof handlers()[op] === "function") {
      tell(op, msg);
      handlers()[op](msg);
    } else if (!tell(op, msg) && !shown && !warned[op]) {
      warned[op] = true;
      console.warn(nobodyShows(op));
    }
  }

  // The hint for a message nothing shows: how to show it, and which data-on looks like a typo of it.
  function nobodyShows(op) {
    var names = [];
    each(document.querySelectorAll("[data-on]"), function (place) {
      names = names.concat(place.getAttribute("data-on").trim().split(/\s+/));
    });
    var near = names.filter(function (name) { return looksLike(name, op); })[0];
    return "wszero: the server sent \"" + op + "\", but HANDLERS has no function for it, and no data-on shows it. " +
      (near ? "The page has data-on=\"" + near + "\": did you mean data-on=\"" + op + "\"?" :
       "Show it with <p data-on=\"" + op + "\">...</p>, or add HANDLERS[\"" + op + "\"] = function (msg) { ... }");
  }

  // True when a and b differ by a letter or two, like "score" and "scores" (edit distance).
  function looksLike(a, b) {
    a = a.toLowerCase();
    b = b.toLowerCase();
    var row = [], i, j, diagonal, above;
    for (j = 0; j <= b.length; j++) row[j] = j;
    for (i = 1; i <= a.length; i++) {
      diagonal = row[0];
      row[0] = i;
      for (j = 1; j <= b.length; j++) {
        above = row[j];
        row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length] <= (Math.min(a.length, b.length) > 4 ? 2 : 1);
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

  // The browser's console shows these already; the terminal and the panel say them as the server words them.
  function pageError(message, at) {
    send_message({op: "wszero:page-error", message: message, where: at});
    showError("Error in the page" + (at ? " (" + at + "): " : ": ") + message);
  }

  window.addEventListener("error", function (event) {
    pageError(String(event.message), where(event.filename, event.lineno));
  });
  window.addEventListener("unhandledrejection", function (event) {
    var reason = event.reason || {};
    var at = /(https?:\/\/[^\s)]+):(\d+):\d+/.exec(reason.stack || "") || [];
    pageError("a Promise failed: " + (reason.message || reason), where(at[1], at[2]));
  });

  // ---- Pages without JavaScript: data-op and data-on (rules at the top) ----
  // Elements are looked up when used, so ones that React, Vue or a script add later work.

  var TYPED = /^(text|search|email|url|tel|password)$/;  // input types a person types text into
  var COPY = "data-wszero-copy";  // on what data-on shows; the other children are templates
  var early = document.readyState === "loading" ? [] : null;  // messages from before the page was read
  var warnedOnce = {};
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  var hide = document.createElement("style");
  // Templates are hidden; so is a text template until its first message (two rules: not every browser has :has).
  hide.textContent = "[data-on]>:not([" + COPY + "]){display:none!important}\n" +
                     "[data-on]:not([" + COPY + "]):not(:has(*)){visibility:hidden!important}";
  (document.head || document.documentElement).appendChild(hide);

  function warnOnce(key, text) {
    if (warnedOnce[key]) return;
    warnedOnce[key] = true;
    console.warn("wszero: " + text);
    showError(text);
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
      var guessing = marked(field, "data-guess"), asText = field.getAttribute("data-guess") === "text";
      if (type === "checkbox") msg[name] = field.checked;
      else if (value === "" && (number || guessing)) return;  // left out, so a handler's default applies
      else if (number) msg[name] = Number(value);
      else msg[name] = typedIn(field) && (!guessing || asText) ? value : guess(value);
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
    // On a page played with keys, the keys must reach the page, not the box.
    if (document.querySelector("[data-keys],[data-key]")) {
      if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    } else if (first) {
      first.focus();
    }
  }

  function clickMessage(element) {
    var msg = {op: element.getAttribute("data-op")};
    each(element.attributes, function (attribute) {
      if (/^data-(?!op$|key$|wszero)/.test(attribute.name)) {
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

  // ---- Keys: data-keys and data-key (rules at the top) ----

  var KEYS = {ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down", " ": "space", Enter: "enter"};
  var held = {};  // the keys this page told the server are down

  // "left", "space", "a", "7"... or undefined for a key wszero has no name for.
  function keyName(event) {
    if (KEYS[event.key]) return KEYS[event.key];
    if (/^[a-z0-9]$/i.test(event.key)) return event.key.toLowerCase();
    var code = /^(Key|Digit)(.)$/.exec(event.code || "");  // Shift or another layout changed the letter
    return code ? code[2].toLowerCase() : undefined;
  }

  function listensFor(name) {
    return Array.prototype.some.call(document.querySelectorAll("[data-keys]"), function (element) {
      var names = element.getAttribute("data-keys").trim();
      return !names || names.split(/\s+/).indexOf(name) >= 0;
    });
  }

  document.addEventListener("keydown", function (event) {
    var name = keyName(event), target = event.target;
    if (!name || event.ctrlKey || event.altKey || event.metaKey) return;  // browser shortcuts stay shortcuts
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;  // typing
    var buttons = document.querySelectorAll('[data-key~="' + name + '"]');
    var listening = listensFor(name);
    if (buttons.length || (listening && /^(left|right|up|down|space)$/.test(name))) event.preventDefault();
    if (event.repeat) return;  // the keyboard repeating a held key: nothing new
    each(buttons, function (element) {
      if (element.tagName === "FORM") element.requestSubmit(); else element.click();
    });
    if (listening && !held[name]) {
      held[name] = true;
      send_message({op: "wszero:keydown", key: name});
    }
  });

  function letGo(name) {
    delete held[name];
    send_message({op: "wszero:keyup", key: name});
  }

  document.addEventListener("keyup", function (event) {
    var name = keyName(event);
    if (held[name]) letGo(name);
  });
  // A key let go while the page can't see it would stay held for ever.
  function letGoOfAll() { Object.keys(held).forEach(letGo); }
  window.addEventListener("blur", letGoOfAll);
  window.addEventListener("pagehide", letGoOfAll);
  document.addEventListener("visibilitychange", function () { if (document.hidden) letGoOfAll(); });

  // Shows msg in each element whose data-on names its op. True if there is one.
  function showMessage(msg) {
    if (early) {
      early.push(msg);  // shown once the page has been read
      return true;
    }
    var places = document.querySelectorAll('[data-on~="' + CSS.escape(String(msg.op)) + '"]');
    each(places, function (place) { showIn(place, msg); });
    return places.length > 0;
  }

  function showIn(place, msg) {
    var list = place.getAttribute("data-each");
    if (!list && (place.wszeroText !== undefined || (!place.children.length && place.textContent.trim()))) {
      if (place.wszeroText === undefined) place.wszeroText = place.textContent;  // its own text is the template
      place.textContent = fillText(place.wszeroText, msg, missingIn(msg));
      return place.setAttribute(COPY, "");
    }
    var templates = Array.prototype.filter.call(place.children, function (child) {
      return !child.hasAttribute(COPY);
    });
    var template = templates[place.getAttribute("data-on").trim().split(/\s+/).indexOf(msg.op)] || templates[0];
    if (!template) {
      return warnOnce(msg.op, "data-on=\"" + msg.op + "\" needs an element inside to copy, like <li>{text}</li>.");
    }
    var replace = list || place.getAttribute("data-show") === "replace";
    if (replace) each(place.querySelectorAll(":scope>[" + COPY + "]"), function (old) { old.remove(); });
    if (!list) return addCopy(place, template, msg, missingIn(msg), !replace);
    var items = msg[list];
    if (!Array.isArray(items)) {
      items = [];
      warnOnce(msg.op + " " + list, "a \"" + msg.op + "\" message came without a list called " + list +
               ", so data-each=\"" + list + "\" shows nothing. Add " + list + "=[...] where Python sends \"" +
               msg.op + "\".");
    }
    items.forEach(function (item) {
      var values = Object.create(null);  // the message's fields, then the item's own
      for (var key in msg) values[key] = msg[key];
      if (item && typeof item === "object" && !Array.isArray(item)) for (key in item) values[key] = item[key];
      else values.item = item;
      addCopy(place, template, values, function (field) {
        return "an item in the " + list + " list of a \"" + msg.op + "\" message has no " + field + ", so {" +
               field + "} shows as empty. Use {item} to show an item that is just text or a number.";
      }, false);
    });
  }

  function addCopy(place, template, values, missing, scroll) {
    var copy = template.cloneNode(true);
    copy.setAttribute(COPY, "");
    fill(copy, values, missing);
    place.appendChild(copy);
    if (scroll) scrollToCopy(place, copy);
  }

  // The warning for a field a message doesn't have.
  function missingIn(msg) {
    return function (field) {
      return "a \"" + msg.op + "\" message came without " + field + ", so {" + field + "} shows as empty. " +
             "Add " + field + "=... where Python sends \"" + msg.op + "\".";
    };
  }

  if (early) {
    document.addEventListener("DOMContentLoaded", function () {
      var waited = early;
      early = null;
      waited.forEach(showMessage);
      drawPanel();
    });
  }

  // A message never becomes code: on... attributes and srcdoc aren't filled,
  // and a link that would run JavaScript is left empty.
  function fill(node, values, missing) {
    if (node.nodeType === Node.TEXT_NODE) node.nodeValue = fillText(node.nodeValue, values, missing);
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    each(node.attributes, function (attribute) {
      if (/^on|^srcdoc$/i.test(attribute.name) || attribute.value.indexOf("{") < 0) return;
      var value = fillText(attribute.value, values, missing);
      attribute.value = /^javascript:/i.test(value.replace(/[\0- ]/g, "")) ? "" : value;
    });
    each(node.childNodes, function (child) { fill(child, values, missing); });
  }

  // missing(field) words the warning for a field that values lacks; it is given once per sentence.
  function fillText(text, values, missing) {
    return text.replace(/\{(\w+)\}/g, function (placeholder, field) {
      var value = values[field];
      if (!Object.prototype.hasOwnProperty.call(values, field)) {
        var sentence = missing(field);
        warnOnce(sentence, sentence);
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
  if (home.protocol === "file:" && !config.url) {  // double-clicked: there is no server to reach
    complain("This page was opened as a file, so it can't talk to your program. " +
             "Run your program, then open the address it shows, like http://localhost:8000");
  } else {
    connect();
  }
})();
