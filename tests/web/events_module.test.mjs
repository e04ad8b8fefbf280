// The event module's behaviour with a fake socket, storage, timers and page: run by test_events_module.py
// with Node's own test runner (no npm).
import assert from "node:assert/strict";
import { test } from "node:test";

import { EventSocket, eventsUrl, pageHandlers } from "../../web/static/web/events.js";

class FakeSocket {
  static opened = [];
  constructor(url) {
    this.url = url;
    FakeSocket.opened.push(this);
  }
  close() {
    this.onclose?.({ code: 1000 });
  }
}

function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, String(v)) };
}

function fakeTimers() {
  const waits = [];
  return { waits, setTimeout: (run, ms) => waits.push({ run, ms }) };
}

function socketWith(handlers = {}, storage = memoryStorage(), timers = fakeTimers()) {
  FakeSocket.opened = [];
  const socket = new EventSocket({
    url: "ws://example.test/ws/events/",
    handlers,
    storage,
    WebSocketClass: FakeSocket,
    timers,
    random: () => 1,
  });
  return { socket, storage, timers };
}

test("the socket is opened on the page's host, wss behind https", () => {
  assert.equal(eventsUrl({ protocol: "https:", host: "a.test" }), "wss://a.test/ws/events/");
  assert.equal(eventsUrl({ protocol: "http:", host: "127.0.0.1:8000" }), "ws://127.0.0.1:8000/ws/events/");
});

test("events reach their handlers and the last id is remembered", () => {
  const seen = [];
  const { socket, storage } = socketWith({ notification: (data) => seen.push(data) });
  socket.start();
  const [open] = FakeSocket.opened;
  assert.equal(open.url, "ws://example.test/ws/events/");
  open.onmessage({ data: JSON.stringify({ id: "5-0", type: "notification", data: { n: 1 } }) });
  open.onmessage({ data: JSON.stringify({ id: "6-0", type: "generation.progress", data: {} }) });
  open.onmessage({ data: "not json" });
  assert.deepEqual(seen, [{ n: 1 }]);
  assert.equal(storage.getItem("sora_social.last_event"), "6-0");
});

test("a dropped socket comes back after growing waits and resumes after the last event", () => {
  const { socket, timers } = socketWith();
  socket.start();
  FakeSocket.opened[0].onmessage({ data: JSON.stringify({ id: "7-1", type: "notification", data: {} }) });
  for (let attempt = 0; attempt < 7; attempt += 1) {
    FakeSocket.opened.at(-1).onclose({ code: 1006 });
    timers.waits.at(-1).run();
  }
  assert.deepEqual(
    timers.waits.map((wait) => wait.ms),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000],
  );
  assert.equal(FakeSocket.opened.at(-1).url, "ws://example.test/ws/events/?after=7-1");

  FakeSocket.opened.at(-1).onopen();
  FakeSocket.opened.at(-1).onclose({ code: 1006 });
  assert.equal(timers.waits.at(-1).ms, 1000, "an open socket starts the waits over");
});

test("a refusal to sign in, or a socket the page closed, is not retried", () => {
  const { socket, timers } = socketWith();
  socket.start();
  FakeSocket.opened[0].onclose({ code: 4401 });
  socket.start();
  socket.stop();
  assert.equal(timers.waits.length, 0);
});

test("the page updates the badge, shows new videos it does not hold, and resyncs both", () => {
  const fetched = [];
  const pill = { hidden: true };
  const page = {
    body: { dataset: { badgeUrl: "/notifications/badge/" } },
    getElementById: (id) => (id === "new-videos" ? pill : id === "unread-badge" ? {} : null),
    querySelector: (selector) => (selector === '[data-video-id="41"]' ? {} : null),
  };
  const handlers = pageHandlers(page, (url, target) => fetched.push([url, target]));
  handlers.notification({});
  assert.deepEqual(fetched, [["/notifications/badge/", "#unread-badge"]]);

  handlers["feed.video"]({ video: { id: "41" } });
  assert.equal(pill.hidden, true, "a video already on the page is no news");
  handlers["feed.video"]({ video: { id: "42" } });
  assert.equal(pill.hidden, false);

  pill.hidden = true;
  handlers.resync_required({ oldest_event_id: "1-0" });
  assert.equal(fetched.length, 2);
  assert.equal(pill.hidden, false);
});

test("a job's events fetch its card again, when the page shows it", () => {
  const fetched = [];
  const page = {
    body: { dataset: {} },
    getElementById: (id) => (id === "job-7" ? { dataset: { jobUrl: "/jobs/7/" } } : null),
    querySelector: () => null,
  };
  const handlers = pageHandlers(page, (url, target) => fetched.push([url, target]));
  handlers["generation.progress"]({ job: { id: "7", progress: 40 } });
  handlers["generation.succeeded"]({ job: { id: "8" } });
  handlers["generation.failed"]({});
  assert.deepEqual(fetched, [["/jobs/7/", "#job-7"]]);
});
