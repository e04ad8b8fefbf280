// The event socket of the web client: one small module, no framework.
//
// It opens /ws/events/ with the session cookie, remembers the id of the last event it was sent (for the
// whole tab, across pages), and after a dropped connection opens it again, with growing waits, asking for
// every event after that id. Each event has htmx fetch the fragment that replaces the part of the page it
// changes (the unread badge, a job's card) or reveals what waits (the "new videos" pill); `resync_required`
// (the server no longer holds all that was missed) fetches the page's live parts again.

const LAST_EVENT = "sora_social.last_event";
// Closed for good: not signed in, an origin not of this site, no such path. Waiting will not help.
const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);
const FIRST_WAIT_MS = 1000;
const LONGEST_WAIT_MS = 30000;

export class EventSocket {
  constructor({ url, handlers, storage, WebSocketClass = globalThis.WebSocket, timers = globalThis, random = Math.random }) {
    this.url = url;
    this.handlers = handlers;
    this.storage = storage;
    this.WebSocketClass = WebSocketClass;
    this.timers = timers;
    this.random = random;
    this.failures = 0;
    this.stopped = false;
    this.socket = null;
  }

  get lastEventId() {
    return this.storage.getItem(LAST_EVENT);
  }

  start() {
    this.stopped = false;
    const after = this.lastEventId;
    const url = after ? `${this.url}?after=${encodeURIComponent(after)}` : this.url;
    const socket = new this.WebSocketClass(url);
    socket.onopen = () => {
      this.failures = 0;
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => {
      if (this.socket === socket && !this.stopped && !FINAL_CLOSE_CODES.has(event.code)) {
        this.retryLater();
      }
    };
    this.socket = socket;
  }

  stop() {
    this.stopped = true;
    if (this.socket) {
      this.socket.close();
    }
  }

  // Exponential back-off with jitter, so that a restarted server is not met by every tab at once.
  nextWaitMs() {
    const ceiling = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** this.failures);
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  retryLater() {
    const wait = this.nextWaitMs();
    this.failures += 1;
    this.timers.setTimeout(() => {
      if (!this.stopped) {
        this.start();
      }
    }, wait);
  }

  receive(text) {
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    if (event.id) {
      this.storage.setItem(LAST_EVENT, event.id);
    }
    const handle = this.handlers[event.type];
    if (handle) {
      handle(event.data || {}, event);
    }
  }
}

export function eventsUrl(location) {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws/events/`;
}

// What each event changes on this page.
export function pageHandlers(document, fetchFragment) {
  const refreshBadge = () => {
    const badgeUrl = document.body.dataset.badgeUrl;
    if (badgeUrl && document.getElementById("unread-badge")) {
      fetchFragment(badgeUrl, "#unread-badge");
    }
  };
  const showNewVideos = (videoId) => {
    const pill = document.getElementById("new-videos");
    const id = String(videoId || "");
    const shown = /^[0-9]+$/.test(id) && document.querySelector(`[data-video-id="${id}"]`);
    if (pill && !shown) {
      pill.hidden = false;
    }
  };
  const refreshJob = (data) => {
    const id = String((data.job && data.job.id) || "");
    const card = /^[0-9]+$/.test(id) && document.getElementById(`job-${id}`);
    if (card) {
      fetchFragment(card.dataset.jobUrl, `#job-${id}`);
    }
  };
  return {
    notification: refreshBadge,
    "generation.progress": refreshJob,
    "generation.succeeded": refreshJob,
    "generation.failed": refreshJob,
    "feed.video": (data) => showNewVideos(data.video && data.video.id),
    resync_required: () => {
      refreshBadge();
      showNewVideos(null);
    },
  };
}

if (typeof document !== "undefined" && document.body && document.body.dataset.badgeUrl) {
  const fetchFragment = (url, target) => window.htmx.ajax("GET", url, { target, swap: "outerHTML" });
  const socket = new EventSocket({
    url: eventsUrl(window.location),
    handlers: pageHandlers(document, fetchFragment),
    storage: window.sessionStorage,
  });
  socket.start();
  // A page kept for the back button closes its socket, and opens it again (resuming) when shown again.
  window.addEventListener("pagehide", () => socket.stop());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      socket.start();
    }
  });
}
