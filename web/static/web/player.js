// Videos in a list play, muted, while at least half of one is in view, and pause when it leaves; a video
// fetches nothing before it plays (preload="none"; its poster is a lazy image under it). The controls stay:
// a tap turns the sound on or pauses, and a video a person paused stays paused while it is in view.
// Without this module (or IntersectionObserver) nothing plays by itself and the controls play a video.
// Nothing plays by itself for a person who asks for reduced motion or for saving data.

export const IN_VIEW = 0.5;
export const SELECTOR = "video[data-play-in-view]";

export function mayPlayBySelf(env) {
  if (env.navigator?.connection?.saveData) return false;
  return !env.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
}

export class InViewPlayer {
  constructor({ IntersectionObserverClass }) {
    this.watched = new WeakSet();
    this.held = new WeakSet(); // paused by a person while in view
    this.pausing = new WeakSet(); // paused by this module: the "pause" event that follows is ours
    this.inView = new WeakSet();
    this.observer = new IntersectionObserverClass((entries) => this.seen(entries), {
      threshold: [0, IN_VIEW],
    });
  }

  // Watches every such video under `scope` (the page, or a fragment htmx swapped in) not yet watched.
  watch(scope) {
    const videos = scope.matches?.(SELECTOR) ? [scope] : [...scope.querySelectorAll(SELECTOR)];
    for (const video of videos) {
      if (this.watched.has(video)) continue;
      this.watched.add(video);
      video.addEventListener("pause", () => {
        if (this.pausing.has(video)) {
          this.pausing.delete(video);
        } else if (this.inView.has(video)) {
          this.held.add(video);
        }
      });
      this.observer.observe(video);
    }
  }

  seen(entries) {
    for (const entry of entries) {
      const video = entry.target;
      if (entry.isIntersecting && entry.intersectionRatio >= IN_VIEW) {
        this.inView.add(video);
        if (video.paused && !this.held.has(video)) this.play(video);
      } else {
        this.inView.delete(video);
        this.held.delete(video); // back in view later, it plays again
        if (!video.paused) {
          this.pausing.add(video);
          video.pause();
        }
      }
    }
  }

  play(video) {
    const started = video.play();
    // A browser that refuses to play with sound (a person turned it on, then the page lost its activation)
    // is asked again without; any other refusal leaves the controls to the person.
    started?.catch?.(() => {
      if (!video.muted) {
        video.muted = true;
        video.play()?.catch?.(() => {});
      }
    });
  }
}

export function playVideosInView(document, env = globalThis) {
  if (!env.IntersectionObserver || !mayPlayBySelf(env)) return null;
  const player = new InViewPlayer({ IntersectionObserverClass: env.IntersectionObserver });
  player.watch(document);
  // Cards added later ("More videos") arrive through htmx, which announces each new piece of content.
  document.addEventListener("htmx:load", (event) => player.watch(event.target));
  return player;
}

if (typeof document !== "undefined" && typeof window !== "undefined") {
  playVideosInView(document, window);
}
