// Client verbs for CI jobs: push, convert, collect.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseImageSizeText, parseMisraText, parseRtInstrText } from '../producer/ci-text.js';
import { imageSizeTextPayload, misraPayload, rtInstrPayload } from '../producer/convert.js';
import { collectCodeChurn } from '../producer/code-churn.js';
import { collectComplexity } from '../producer/complexity.js';
import { collectDefects } from '../producer/defects.js';
import { collectImageSize } from '../producer/image-size.js';
import { commitDetails } from '../producer/git.js';
import { resolvePushOptions, type ConnectionFlags } from '../producer/connection.js';
import { emitPayloads } from '../producer/output.js';
import { readInput } from '../producer/input.js';
import { pushAndReport } from '../producer/push-change.js';
import { TFA_DEFAULT_RULES, type PathRule } from '../producer/path-filter.js';
import type { Payload } from '../producer/payload.js';

const DEFAULT_TAG_PATTERN = '^v[0-9]+\\.[0-9]+$';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const write = (text: string): void => {
  process.stdout.write(text);
};

/** A commander parser for a whole number >= 0; `name` is the option, for the message. */
export function nonNegativeInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} wants a whole number, got "${v}"`);
    return Number(v);
  };
}

/** A commander parser for a number of seconds >= 0. */
export function nonNegativeNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} wants seconds >= 0, got "${v}"`);
    return n;
  };
}

function regex(v: string): RegExp {
  try {
    return new RegExp(v);
  } catch (err) {
    throw new InvalidArgumentError(`not a regular expression: ${(err as Error).message}`);
  }
}

/** Options every verb that can reach a broker shares. */
function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'broker base URL (default: $QMB_URL)')
    .option('--token <token>', 'API token (default: $QMB_TOKEN)')
    .option('--user <name>', 'log in as this user; password on stdin or in $QMB_PASSWORD')
    .option('--legacy', "use the older broker's POST / with the JWT prefix")
    .option('--wait <seconds>', 'wait for delivery to the database; pending after it counts as failure', nonNegativeNumber('--wait'))
    .option('--dry-run', "only validate, at the broker's /api/v1/validate")
    .option('--retries <n>', 'retries on network errors, 5xx and 429', nonNegativeInt('--retries'), 5)
    .option('--no-compare', 'do not print, after a push, the series it changed against the previous revision');
}

/** Output options of collect/convert verbs. */
function addOutputOptions(cmd: Command): Command {
  return addConnectionOptions(
    cmd
      .option('--out <file>', 'write the payload(s) here, one JSON document per line, instead of stdout')
      .option('--out-dir <dir>', 'write one <metric>.json per payload into this directory')
      .option('--push', 'push the payload(s) to the broker'),
  );
}

/** The flags of the verbs that push: the connection, and whether to show the change a push made. */
interface PushFlags extends ConnectionFlags {
  compare: boolean;
}

interface OutputFlags extends PushFlags {
  out?: string;
  outDir?: string;
  push?: boolean;
}

async function finish(payloads: readonly Payload[], flags: OutputFlags, stdinTaken = false): Promise<void> {
  // The broker options only act on a push; taking them silently would let a step pass that checked nothing.
  const pushOnly = (['dryRun', 'wait', 'legacy'] as const).filter((k) => flags[k] !== undefined && !flags.push);
  if (pushOnly.length > 0) {
    const names = pushOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new Error(`${names.join(', ')} ${names.length === 1 ? 'needs' : 'need'} --push`);
  }
  const ok = await emitPayloads(payloads, {
    out: flags.out,
    outDir: flags.outDir,
    push: flags.push ? () => resolvePushOptions(flags, { env: process.env, stdinTaken, log }) : undefined,
    compare: flags.compare,
    write,
    log,
  });
  if (!ok) process.exitCode = 1;
}

/** Adds `--include`/`--exclude` that share one ordered list: the order given is the order applied. */
function addPathOptions(cmd: Command, rules: PathRule[]): Command {
  return cmd
    .option('--include <glob>', 'count paths matching this glob (repeatable; last matching rule wins)', (v: string) => {
      rules.push({ include: true, glob: v });
      return rules;
    })
    .option('--exclude <glob>', 'leave out paths matching this glob (repeatable)', (v: string) => {
      rules.push({ include: false, glob: v });
      return rules;
    });
}

function addTagOptions(cmd: Command): Command {
  return cmd
    .option('--repo <dir>', 'git repository', '.')
    .requiredOption('--tag <tag>', 'target tag')
    .option('--base <tag>', 'base tag (default: the previous release tag by date; for a first release, the root commit)')
    .addOption(
      new Option('--tag-pattern <regex>', 'release tags, for finding the base tag').argParser(regex).default(new RegExp(DEFAULT_TAG_PATTERN), DEFAULT_TAG_PATTERN),
    )
    .addOption(new Option('--project <name>', 'metric family').choices(['tfa', 'tfm']).default('tfa'));
}

function pathRules(rules: PathRule[], project: string): readonly PathRule[] {
  // TF-A's scope is the default only for TF-A; any --include/--exclude replaces it.
  if (rules.length > 0) return rules;
  return project === 'tfa' ? TFA_DEFAULT_RULES : [];
}

function registerPush(program: Command): void {
  addConnectionOptions(
    program
      .command('push')
      .description('send payload files to a broker; one summary line per file and a line per series it changed against the previous revision; non-zero exit when any was not accepted')
      .argument('<files...>', 'payload files, or - for stdin'),
  ).action(async (files: string[], flags: PushFlags) => {
    const stdinTaken = files.includes('-');
    if (files.filter((f) => f === '-').length > 1) throw new Error('stdin (-) can be read only once');
    const opts = await resolvePushOptions(flags, { env: process.env, stdinTaken, log });
    let ok = true;
    for (const file of files) {
      const name = file === '-' ? 'stdin' : file;
      let body: Buffer;
      try {
        body = await readInput(file);
      } catch (err) {
        write(`${name}: failed ${(err as Error).message}\n`);
        ok = false;
        continue;
      }
      const result = await pushAndReport(body, name, opts, { compare: flags.compare, write, log });
      ok &&= result.ok;
    }
    if (!ok) process.exitCode = 1;
  });
}

function registerConvert(program: Command): void {
  const convert = program.command('convert').description('turn a CI text file into a payload');
  const kinds: Array<[string, string, (text: string, file: string) => Payload]> = [
    [
      'image-size',
      'image_size.txt -> tfa_image_size',
      (text, file) => imageSizeTextPayload(parseImageSizeText(text, file), file, (n) => log(`${file}: skipping ${n} (not a tracked image)`)),
    ],
    ['misra', 'misra_defects.txt -> tfa_misra_defects', (text, file) => misraPayload(parseMisraText(text, file))],
    ['rtinstr', 'rt_instr.txt -> tfa_rtinstr', (text, file) => rtInstrPayload(parseRtInstrText(text, file))],
  ];
  for (const [name, description, build] of kinds) {
    addOutputOptions(convert.command(name).description(description).argument('<file>', 'CI text file, or - for stdin')).action(
      async (file: string, flags: OutputFlags) => {
        const text = (await readInput(file)).toString('utf8');
        const payload = build(text, file === '-' ? 'stdin' : file);
        await finish([payload], flags, file === '-');
      },
    );
  }
}

function registerCollect(program: Command): void {
  const collect = program.command('collect').description('compute a metric and emit its payload(s)');

  const churnRules: PathRule[] = [];
  addOutputOptions(addPathOptions(addTagOptions(collect.command('code-churn').description('lines added plus deleted between two tags')), churnRules))
    .action(async (flags: OutputFlags & { repo: string; tag: string; base?: string; tagPattern: RegExp; project: 'tfa' | 'tfm' }) => {
      const payload = await collectCodeChurn(
        { repo: flags.repo, tag: flags.tag, base: flags.base, tagPattern: flags.tagPattern, rules: pathRules(churnRules, flags.project), project: flags.project },
        log,
      );
      await finish([payload], flags);
    });

  const complexityRules: PathRule[] = [];
  addOutputOptions(
    addPathOptions(addTagOptions(collect.command('complexity').description('functions over a McCabe threshold, with pmccabe')), complexityRules)
      .option('--threshold <n>', 'report functions scoring above this', nonNegativeInt('--threshold'), 11)
      .option('--allowlist <file>', 'allow-listed functions: FUNCTION or PATH:FUNCTION per line')
      .option('--ext <suffixes>', 'comma-separated file endings to score', '.c,.h'),
  ).action(
    async (
      flags: OutputFlags & { repo: string; tag: string; base?: string; tagPattern: RegExp; project: 'tfa' | 'tfm'; threshold: number; allowlist?: string; ext: string },
    ) => {
      const payloads = await collectComplexity(
        {
          repo: flags.repo,
          tag: flags.tag,
          base: flags.base,
          tagPattern: flags.tagPattern,
          rules: pathRules(complexityRules, flags.project),
          threshold: flags.threshold,
          allowlist: flags.allowlist,
          project: flags.project,
          extensions: flags.ext.split(',').map((s) => s.trim()).filter((s) => s !== ''),
        },
        log,
      );
      await finish(payloads, flags);
    },
  );

  addOutputOptions(
    collect
      .command('defects')
      .description('open GitHub issues with a label (token from $GITHUB_TOKEN)')
      .requiredOption('--github <owner/repo>', 'repository on GitHub')
      .option('--label <label>', 'label the issues carry ("" for all open issues)', 'bug')
      .option('--api-url <url>', 'GitHub API base', 'https://api.github.com')
      .option('--max-wait <seconds>', 'longest wait for a rate limit to lift', nonNegativeNumber('--max-wait'), 900),
  ).action(async (flags: OutputFlags & { github: string; label: string; apiUrl: string; maxWait: number }) => {
    const payloads = await collectDefects(
      {
        github: flags.github,
        label: flags.label,
        apiUrl: flags.apiUrl,
        token: process.env.GITHUB_TOKEN || undefined,
        maxRateLimitWaitMs: flags.maxWait * 1000,
        retries: flags.retries,
      },
      log,
    );
    await finish(payloads, flags);
  });

  addOutputOptions(
    collect
      .command('image-size')
      .description('symbol sizes per nm -S class (B D R T V W) read from ELF files (bl1, bl1u, bl2, bl2u, bl31, bl32)')
      .argument('<elf...>', 'ELF files, named after their image (bl31.elf)')
      .requiredOption('--build-config <name>', 'build configuration (the measurement)')
      .requiredOption('--bin-mode <mode>', 'debug or release')
      .option('--repo <dir>', 'read the commit from this repository', '.')
      .option('--rev <rev>', 'the commit that was built', 'HEAD')
      .option('--commit-id <sha>', 'commit id, instead of reading it from git')
      .option('--commit-title <title>', 'commit title, instead of reading it from git')
      .option('--commit-date <date>', 'commit date (ISO 8601), instead of reading it from git'),
  ).action(
    async (
      files: string[],
      flags: OutputFlags & { buildConfig: string; binMode: string; repo: string; rev: string; commitId?: string; commitTitle?: string; commitDate?: string },
    ) => {
      const given = flags.commitId !== undefined && flags.commitTitle !== undefined && flags.commitDate !== undefined;
      const fromGit = given ? undefined : await commitDetails(flags.repo, flags.rev);
      const commit = {
        id: flags.commitId ?? fromGit?.id ?? '',
        title: flags.commitTitle ?? fromGit?.title ?? '',
        date: flags.commitDate ?? fromGit?.date ?? '',
      };
      const payload = await collectImageSize({ files, buildConfig: flags.buildConfig, binMode: flags.binMode, commit }, log);
      await finish([payload], flags);
    },
  );
}

/** Adds the producer verbs to the program. */
export function registerProducerCommands(program: Command): void {
  registerPush(program);
  registerConvert(program);
  registerCollect(program);
}
