// The service worker (served at /sw.js, registered by static/js/offline_sheet.js): it keeps the
// month's sheets a treasurer opened while they are open, and the files those pages load, so that
// at a meeting without a signal the sheet opens, fills and saves on the phone. It keeps nothing
// else: no other page, no answer to a POST. A sheet is kept only when the server marks its page
// as an open sheet form (the X-Offline-Sheet header); once posted, its copy is dropped. Signing
// out drops everything.
"use strict";

// Raise the version when what is kept changes: a new worker deletes the caches of the old.
var VERSION = "sheet-v1";
var PAGES = VERSION + "-pages";
var FILES = VERSION + "-files";
var SHEET = /^\/groups\/\d+\/sheet\/\d{4}-\d{2}\/$/;
var STATIC = "/static/";
// The sign-out address, passed by the page that registers the worker (the app's URLs name it).
var LOGOUT = new URL(self.location.href).searchParams.get("logout") || "/accounts/logout/";

function sheetKey(href) {
  // A sheet is kept under its address without a query: one copy per month.
  var url = new URL(href, self.location.origin);
  return url.origin === self.location.origin && SHEET.test(url.pathname) ? url.origin + url.pathname : null;
}

function isOpenSheet(response) {
  return response.ok && !response.redirected && response.headers.get("X-Offline-Sheet") === "1";
}

function remember(key, response) {
  return caches.open(PAGES).then(function (cache) {
    return isOpenSheet(response) ? cache.put(key, response) : cache.delete(key);
  });
}

function clearAll() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.map(function (key) { return caches.delete(key); }));
  });
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(
        keys.filter(function (key) { return key.indexOf(VERSION + "-") !== 0; })
          .map(function (key) { return caches.delete(key); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === LOGOUT) {
    // Signing out: the phone may be handed to someone else.
    event.waitUntil(clearAll());
    return;
  }
  if (request.method !== "GET") return;
  var key = sheetKey(request.url);
  if (key && request.mode === "navigate") {
    // The network first, always: the sheet as it is now. Its copy only when there is no network.
    event.respondWith(
      fetch(request).then(
        function (response) {
          event.waitUntil(remember(key, response.clone()));
          return response;
        },
        function () {
          return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (kept) {
            return kept || Response.error();
          });
        }
      )
    );
  } else if (url.pathname.indexOf(STATIC) === 0) {
    event.respondWith(
      fetch(request).catch(function () {
        return caches.match(request, { cacheName: FILES, ignoreVary: true, ignoreSearch: true }).then(function (kept) {
          return kept || Response.error();
        });
      })
    );
  }
});

// What a sheet page asks (static/js/offline_sheet.js): keep this open sheet and the files it
// loads; forget this sheet (it was sent). Only the page's own origin can send these messages.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var key = data.url ? sheetKey(data.url) : null;
  var reply = function (type) {
    if (event.source) event.source.postMessage({ type: type, url: data.url });
  };
  if (data.type === "keep" && key) {
    var files = (data.files || []).filter(function (href) {
      var url = new URL(href, self.location.origin);
      return url.origin === self.location.origin && url.pathname.indexOf(STATIC) === 0;
    });
    event.waitUntil(
      Promise.all([
        caches.open(FILES).then(function (cache) {
          return Promise.all(files.map(function (href) {
            return cache.match(href, { ignoreVary: true }).then(function (kept) { return kept || cache.add(href); });
          }));
        }),
        // The page itself, on its first visit (the worker did not see it pass): as the page read
        // itself before anything was typed, under the policy the server sent it with.
        typeof data.page === "string"
          ? remember(key, new Response(data.page, {
            headers: data.policy
              ? { "Content-Type": "text/html; charset=utf-8", "X-Offline-Sheet": "1", "Content-Security-Policy": data.policy }
              : { "Content-Type": "text/html; charset=utf-8", "X-Offline-Sheet": "1" },
          }))
          : null,
      ]).then(function () { reply("kept"); }, function () { reply("not-kept"); })
    );
  } else if (data.type === "forget" && key) {
    event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.delete(key); }).then(function () {
      reply("forgotten");
    }));
  } else if (data.type === "clear") {
    event.waitUntil(clearAll());
  }
});
