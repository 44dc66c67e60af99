// Shared set-up of the operator verbs: the configuration, without a server.
import { loadConfig, type Config } from '../config.js';

export function cliConfig(): Config {
  return loadConfig();
}
