/**
 * The one way a duration is written for people: "45 s", "52 min", "3 h 5 min", "2 d 4 h". Every message that
 * says how long ago or how soon (token expiry, pending sign-ins, cache listings) goes through here.
 */

/** "52 min", "3 h 5 min", "2 d 4 h", "45 s" (the sign is ignored). */
export function formatDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** "in 52 min" for a moment ahead, "3 h ago" for one behind; `deltaMs` is that moment minus now. */
export function relativePhrase(deltaMs: number): string {
  const text = formatDuration(deltaMs / 1000);
  return deltaMs < 0 ? `${text} ago` : `in ${text}`;
}
