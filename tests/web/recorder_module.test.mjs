// The verification recorder (web/static/web/recorder.js) with a fake camera, MediaRecorder and page: run by
// test_cameos.py with Node's own test runner (no npm).
import assert from "node:assert/strict";
import { test } from "node:test";

import { attachRecorder, recordingType } from "../../web/static/web/recorder.js";

class Element {
  constructor(children = {}) {
    this.children = children;
    this.listeners = {};
    this.hidden = true;
    this.disabled = false;
    this.textContent = "";
  }
  querySelector(selector) {
    return this.children[selector] ?? null;
  }
  querySelectorAll(selector) {
    return this.children[selector] ?? [];
  }
  addEventListener(name, run) {
    this.listeners[name] = run;
  }
}

function page() {
  const buttons = [new Element(), new Element()];
  buttons[1].disabled = true;
  const panel = new Element({ button: buttons, video: new Element(), "[data-recorder-status]": new Element() });
  const input = new Element();
  const form = new Element({ 'input[name="recording"]': input, "[data-recorder]": panel });
  return { form, panel, input, buttons };
}

class FakeRecorder {
  static made = [];
  static isTypeSupported = (type) => type === "video/webm;codecs=vp8,opus" || type === "video/webm";
  constructor(stream, options) {
    this.stream = stream;
    this.options = options;
    this.state = "inactive";
    FakeRecorder.made.push(this);
  }
  start() {
    this.state = "recording";
    this.ondataavailable({ data: { size: 3, bytes: "abc" } });
    this.ondataavailable({ data: { size: 0 } });
  }
  stop() {
    this.state = "inactive";
    this.ondataavailable({ data: { size: 2, bytes: "de" } });
    this.onstop();
  }
}

class FakeDataTransfer {
  constructor() {
    this.files = [];
    this.items = { add: (file) => this.files.push(file) };
  }
}

class FakeFile {
  constructor(parts, name, options) {
    Object.assign(this, { parts, name, type: options.type });
  }
}

function environment({ camera = true } = {}) {
  const stopped = [];
  const stream = { getTracks: () => [{ stop: () => stopped.push("video") }, { stop: () => stopped.push("audio") }] };
  const asked = [];
  const getUserMedia = async (wanted) => {
    asked.push(wanted);
    if (!camera) throw new Error("NotAllowedError");
    return stream;
  };
  const env = {
    MediaRecorder: FakeRecorder,
    DataTransfer: FakeDataTransfer,
    File: FakeFile,
    navigator: { mediaDevices: { getUserMedia } },
  };
  return { env, stream, stopped, asked };
}

test("the best WebM type the browser records is asked for", () => {
  assert.equal(recordingType(FakeRecorder), "video/webm;codecs=vp8,opus");
  assert.equal(recordingType({ isTypeSupported: () => false }), null);
});

test("a take is recorded into the form's file input as a WebM file", async () => {
  const { form, panel, input, buttons } = page();
  const { env, stream, stopped, asked } = environment();
  FakeRecorder.made = [];
  assert.ok(attachRecorder(form, env));
  assert.equal(panel.hidden, false);

  await buttons[0].listeners.click();
  assert.equal(asked[0].audio, true);
  const [recorder] = FakeRecorder.made;
  assert.equal(recorder.stream, stream);
  assert.equal(recorder.options.mimeType, "video/webm;codecs=vp8,opus");
  assert.equal(panel.children.video.srcObject, stream);
  assert.deepEqual([buttons[0].disabled, buttons[1].disabled], [true, false]);

  buttons[1].listeners.click();
  assert.equal(input.files.length, 1);
  const [file] = input.files;
  assert.deepEqual([file.name, file.type], ["recording.webm", "video/webm"]);
  assert.deepEqual(file.parts.map((part) => part.bytes), ["abc", "de"]);
  assert.deepEqual(stopped, ["video", "audio"]);
  assert.equal(panel.children.video.srcObject, null);
  assert.deepEqual([buttons[0].disabled, buttons[1].disabled], [false, true]);
  assert.match(panel.children["[data-recorder-status]"].textContent, /Recorded/);
});

test("a refused camera leaves the file input and says so", async () => {
  const { form, panel, input, buttons } = page();
  const { env } = environment({ camera: false });
  FakeRecorder.made = [];
  attachRecorder(form, env);
  await buttons[0].listeners.click();
  assert.equal(FakeRecorder.made.length, 0);
  assert.equal(input.files, undefined);
  assert.match(panel.children["[data-recorder-status]"].textContent, /Choose a recording file/);
});

test("without MediaRecorder the recorder stays hidden", () => {
  const { form, panel } = page();
  const { env } = environment();
  assert.equal(attachRecorder(form, { ...env, MediaRecorder: undefined }), null);
  assert.equal(panel.hidden, true);
});
