// Recording a cameo's verification take in the browser. MediaRecorder gives WebM (VP9 or VP8), which the
// server checks like an uploaded file: the take is put into the form's own file input, so the form sends
// it as if it had been chosen. Without a camera or MediaRecorder the plain file input is all there is.

// The types asked for, best first; the server decodes VP8 and VP9 in WebM.
export const TYPES = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm"];

export function recordingType(Recorder) {
  return TYPES.find((type) => Recorder.isTypeSupported?.(type)) ?? null;
}

// Shows the recorder inside `form` (its [data-recorder] panel: a preview, Record and Stop buttons, a status
// line) when `env` can record; returns null when it cannot, leaving the file input as it is.
export function attachRecorder(form, env = globalThis) {
  const input = form.querySelector('input[name="recording"]');
  const panel = form.querySelector("[data-recorder]");
  const Recorder = env.MediaRecorder;
  const camera = env.navigator?.mediaDevices;
  const type = Recorder ? recordingType(Recorder) : null;
  if (!input || !panel || !type || !camera?.getUserMedia || !env.DataTransfer) return null;
  const [start, stop] = panel.querySelectorAll("button");
  const preview = panel.querySelector("video");
  const status = panel.querySelector("[data-recorder-status]");
  let recorder = null;
  panel.hidden = false;

  const finish = (stream, chunks) => {
    for (const track of stream.getTracks()) track.stop();
    preview.srcObject = null;
    const files = new env.DataTransfer();
    files.items.add(new env.File(chunks, "recording.webm", { type: "video/webm" }));
    input.files = files.files;
    start.disabled = false;
    stop.disabled = true;
    status.textContent = "Recorded. Send the recording, or record it again.";
  };

  start.addEventListener("click", async () => {
    let stream;
    try {
      stream = await camera.getUserMedia({ video: { facingMode: "user" }, audio: true });
    } catch {
      status.textContent = "The camera could not be opened. Choose a recording file instead.";
      return;
    }
    preview.srcObject = stream;
    const chunks = [];
    recorder = new Recorder(stream, { mimeType: type });
    recorder.ondataavailable = (event) => {
      if (event.data.size) chunks.push(event.data);
    };
    recorder.onstop = () => finish(stream, chunks);
    recorder.start();
    start.disabled = true;
    stop.disabled = false;
    status.textContent = "Recording. Do what the challenge says, then press Stop.";
  });
  stop.addEventListener("click", () => {
    if (recorder?.state === "recording") recorder.stop();
  });
  return { start, stop };
}

if (typeof document !== "undefined") {
  const form = document.querySelector("form[data-verification]");
  if (form) attachRecorder(form);
}
