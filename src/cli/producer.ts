// Client verbs for CI jobs: push, convert, collect.
import type { Command } from 'commander';

/** Adds the producer verbs to the program. */
export function registerProducerCommands(_program: Command): void {}
