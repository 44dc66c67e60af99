// Time as the broker reads it; passed in so tests can drive it.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
