// Shared set-up of the operator verbs: configuration and the pieces they need, without a server.
import { loadConfig, type Config } from '../config.js';
import { UsersStore } from '../auth/users.js';

export function cliConfig(): Config {
  return loadConfig();
}

export function cliUsers(config: Config = cliConfig()): UsersStore {
  return new UsersStore(config.usersFile);
}
