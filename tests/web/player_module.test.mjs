// The player module's behaviour with a fake IntersectionObserver, videos and page: run by
// test_player_module.py with Node's own test runner (no npm).
import assert from "node:assert/strict";
import { test } from "node:test";

import { IN_VIEW, mayPlayBySelf, playVideosInView, SELECTOR } from "../../web/static/web/player.js";

class FakeObserver {
  static made = [];
  constructor(callback, options) {
    this.callback = callback;
    this.options = options;
    this.targets = [];
    FakeObserver.made.push(this);
  }
  observe(target) {
    this.targets.push(target);
  }
  // What the browser reports as `video` scrolls: `ratio` of it visible.
  scroll(video, ratio) {
    this.callback([{ target: video, isIntersecting: ratio > 0, intersectionRatio: ratio }]);
  }
}

class FakeVideo {
  constructor({ refuses = () => false } = {}) {
    this.paused = true;
    this.muted = true;
    this.plays = 0;
    this.listeners = {};
    this.refuses = refuses;
  }
  matches(selector) {
    return selector === SELECTOR;
  }
  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }
  emit(type) {
    for (const listener of this.listeners[type] ?? []) listener({ target: this });
  }
  play() {
    this.plays += 1;
    if (this.refuses(this)) return Promise.reject(new Error("NotAllowedError"));
    this.paused = false;
    return Promise.resolve();
  }
  pause() {
    if (this.paused) return;
    this.paused = true;
    this.emit("pause");
  }
  // A person pressing pause in the controls.
  pausedByPerson() {
    this.pause();
  }
}

function fakePage(videos) {
  const listeners = {};
  return {
    listeners,
    querySelectorAll: (selector) => (selector === SELECTOR ? videos : []),
    addEventListener: (type, listener) => (listeners[type] ??= []).push(listener),
  };
}

function fakeEnv(overrides = {}) {
  return {
    IntersectionObserver: FakeObserver,
    matchMedia: () => ({ matches: false }),
    navigator: {},
    ...overrides,
  };
}

function start(videos, env = fakeEnv()) {
  FakeObserver.made = [];
  const page = fakePage(videos);
  const player = playVideosInView(page, env);
  return { page, player, observer: FakeObserver.made[0] };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("every list video is watched, with a threshold at half in view", () => {
  const videos = [new FakeVideo(), new FakeVideo()];
  const { observer } = start(videos);
  assert.deepEqual(observer.targets, videos);
  assert.ok(observer.options.threshold.includes(IN_VIEW));
});

test("a video plays while at least half of it is in view and pauses when it leaves", () => {
  const video = new FakeVideo();
  const { observer } = start([video]);
  observer.scroll(video, 0.3);
  assert.equal(video.plays, 0);
  observer.scroll(video, 0.5);
  assert.equal(video.paused, false);
  assert.equal(video.muted, true);
  observer.scroll(video, 0.2);
  assert.equal(video.paused, true);
  observer.scroll(video, 1);
  assert.equal(video.paused, false);
  assert.equal(video.plays, 2);
});

test("a video a person paused stays paused while in view, and plays again when it comes back", () => {
  const video = new FakeVideo();
  const { observer } = start([video]);
  observer.scroll(video, 1);
  video.pausedByPerson();
  observer.scroll(video, 0.9);
  assert.equal(video.paused, true);
  observer.scroll(video, 0);
  observer.scroll(video, 0.8);
  assert.equal(video.paused, false);
});

test("leaving the view pauses without counting as a person's pause", () => {
  const video = new FakeVideo();
  const { observer } = start([video]);
  observer.scroll(video, 1);
  observer.scroll(video, 0.1);
  observer.scroll(video, 0.6);
  assert.equal(video.paused, false);
});

test("a video whose sound a person turned on is played muted when the browser refuses the sound", async () => {
  const video = new FakeVideo({ refuses: (v) => !v.muted });
  video.muted = false;
  const { observer } = start([video]);
  observer.scroll(video, 1);
  await settle();
  assert.equal(video.muted, true);
  assert.equal(video.paused, false);
});

test("a refusal of a muted video leaves it to the controls", async () => {
  const video = new FakeVideo({ refuses: () => true });
  const { observer } = start([video]);
  observer.scroll(video, 1);
  await settle();
  assert.equal(video.plays, 1);
  assert.equal(video.paused, true);
});

test("cards that htmx swaps in later are watched too, once each", () => {
  const first = new FakeVideo();
  const { page, observer } = start([first]);
  const later = new FakeVideo();
  const fragment = { querySelectorAll: () => [first, later] };
  for (const listener of page.listeners["htmx:load"]) listener({ target: fragment });
  for (const listener of page.listeners["htmx:load"]) listener({ target: later });
  assert.deepEqual(observer.targets, [first, later]);
  observer.scroll(later, 0.7);
  assert.equal(later.paused, false);
});

test("nothing plays by itself without IntersectionObserver, for reduced motion, or to save data", () => {
  assert.equal(start([new FakeVideo()], fakeEnv({ IntersectionObserver: undefined })).player, null);
  const reduced = fakeEnv({ matchMedia: (query) => ({ matches: query.includes("reduce") }) });
  assert.equal(mayPlayBySelf(reduced), false);
  assert.equal(start([new FakeVideo()], reduced).player, null);
  const saving = fakeEnv({ navigator: { connection: { saveData: true } } });
  assert.equal(start([new FakeVideo()], saving).player, null);
  assert.equal(mayPlayBySelf(fakeEnv()), true);
  assert.equal(mayPlayBySelf({}), true);
});
