// Shared set-up of the operator verbs: configuration and the pieces they need, without a server.
import { loadConfig, type Config } from '../config.js';

export function cliConfig(): Config {
  return loadConfig();
}
