// Image size: TF-A images per build configuration and bin mode, TF-M files per build.
import { barsPerField, bytes, DashboardBuilder, pointsAndLines, type JsonObject } from './model.js';
import { differenceOfSum, sumOfFields, tagsEqual } from './queries.js';

/** The TF-A images tracked, and the `nm` symbol classes measured in each. */
export const TFA_IMAGES = ['BL1', 'BL1U', 'BL2', 'BL2U', 'BL31', 'BL32'] as const;
export const TFA_SECTIONS = ['B', 'D', 'R', 'T', 'V', 'W'] as const;
const TFA_FIELD_REGEX = `/^(${TFA_IMAGES.join('|')})_[A-Z]$/`;

/** Names the bars of a `difference(/regex/)` query after the field alone (`difference_BL1_B` -> `BL1_B`). */
const dropDifferencePrefix: JsonObject = { id: 'renameByRegex', options: { regex: '^difference_(.+)$', renamePattern: '$1' } };

/** TF-A image sizes: the measurement is the build configuration. */
export function tfaImageSizeDashboard(): JsonObject {
  const db = 'TFA_ImageSize';
  const d = new DashboardBuilder(
    'qmb-tfa-image-size',
    'Image size (TF-A)',
    'Size of each TF-A image across commits, its sections at one commit, and the change between two commits, per image and per section. The total of an image is the sum of all its sections (B, D, R, T, V, W) that the commit reported.',
  );
  d.variable({ name: 'config', label: 'Build config', database: db, query: 'SHOW MEASUREMENTS' })
    .variable({ name: 'binmode', label: 'Bin mode', database: db, query: 'SHOW TAG VALUES FROM "$config" WITH KEY = "BinMode"' });
  const commits = `SHOW TAG VALUES FROM "$config" WITH KEY = "CommitID" WHERE "BinMode" = '$binmode'`;
  d.variable({ name: 'commit', label: 'Commit', database: db, query: commits }).variable({
    name: 'commit2',
    label: 'Compare with commit',
    database: db,
    query: commits,
  });
  const filter = tagsEqual({ BinMode: 'binmode' });

  d.row('Across commits')
    .panel({
      type: 'timeseries',
      title: 'Total size per image ($config, $binmode)',
      description: 'Sum of the sections of each image (B + D + R + T + V + W; sections a commit did not report count as zero). One point per commit.',
      database: db,
      width: 24,
      height: 10,
      queries: TFA_IMAGES.map((image) => ({
        query: sumOfFields('$config', TFA_SECTIONS.map((s) => `${image}_${s}`), filter),
        alias: image,
      })),
      fieldConfig: pointsAndLines('bytes'),
    })
    .panel({
      type: 'table',
      title: 'Commits ($config, $binmode)',
      database: db,
      width: 24,
      height: 8,
      queries: [{ query: `SELECT * FROM "$config" WHERE ${filter} AND $timeFilter`, format: 'table' }],
      transformations: [{ id: 'sortBy', options: { sort: [{ field: 'Time', desc: true }] } }],
      fieldConfig: bytes(),
    });
  d.row('One commit, and the change between two')
    .panel({
      type: 'bargauge',
      title: 'Section sizes at $commit',
      description: 'Size of each section (B, D, R, T, V, W) of each image at the chosen commit.',
      database: db,
      width: 12,
      height: 14,
      queries: [{ query: `SELECT ${TFA_FIELD_REGEX} FROM "$config" WHERE ${filter} AND "CommitID" = '$commit' AND $timeFilter`, alias: '$col' }],
      options: barsPerField(),
      fieldConfig: bytes(),
    })
    .panel({
      type: 'bargauge',
      title: 'Change per section between $commit and $commit2',
      description: 'Newer minus older of the two chosen commits, per image and section (bytes).',
      database: db,
      width: 12,
      height: 14,
      queries: [
        {
          query: `SELECT difference(${TFA_FIELD_REGEX}) FROM "$config" WHERE ${filter} AND ("CommitID" = '$commit' OR "CommitID" = '$commit2') AND $timeFilter`,
          alias: '$col',
        },
      ],
      transformations: [dropDifferencePrefix],
      options: barsPerField(),
      fieldConfig: bytes(),
    })
    .panel({
      type: 'bargauge',
      title: 'Change of the total size per image between $commit and $commit2',
      description:
        'Newer minus older of the two chosen commits, per image: the change of B + D + R + T + V + W (sections a commit did not report count as zero; no bar for an image neither commit has).',
      database: db,
      width: 24,
      height: 8,
      queries: TFA_IMAGES.map((image) => ({
        query: differenceOfSum(
          '$config',
          TFA_SECTIONS.map((s) => `${image}_${s}`),
          `${filter} AND ("CommitID" = '$commit' OR "CommitID" = '$commit2')`,
        ),
        alias: image,
      })),
      options: { ...barsPerField(), orientation: 'vertical' },
      fieldConfig: bytes(),
    });
  return d.build();
}

/** TF-M image sizes: one point per commit, fields `<file>_b/_d/_t`. */
export function tfmImageSizeDashboard(): JsonObject {
  const db = 'TFM_ImageSize';
  const m = 'TFM_ImageSize_Statistics';
  const d = new DashboardBuilder(
    'qmb-tfm-image-size',
    'Image size (TF-M)',
    'Size of each TF-M image file across commits, its sections at one commit, and the change between two commits, per file and per section. The total of a file is bss + data + text.',
  );
  const show = (key: string, where: Record<string, string>) =>
    `SHOW TAG VALUES FROM "${m}" WITH KEY = "${key}"` + (Object.keys(where).length ? ` WHERE ${tagsEqual(where)}` : '');
  const build = { Target: 'target', Compiler: 'compiler', BuildType: 'build_type', CmakeConfig: 'cmake_config' };
  d.variable({ name: 'target', label: 'Target', database: db, query: show('Target', {}) })
    .variable({ name: 'compiler', label: 'Compiler', database: db, query: show('Compiler', { Target: 'target' }) })
    .variable({ name: 'build_type', label: 'Build type', database: db, query: show('BuildType', { Target: 'target', Compiler: 'compiler' }) })
    .variable({
      name: 'cmake_config',
      label: 'CMake config',
      database: db,
      query: show('CmakeConfig', { Target: 'target', Compiler: 'compiler', BuildType: 'build_type' }),
    })
    .variable({
      name: 'file',
      label: 'Image file',
      database: db,
      query: `SHOW FIELD KEYS FROM "${m}"`,
      regex: '/^(.+)_[bdt]$/',
      multi: true,
      includeAll: true,
    })
    .variable({ name: 'commit', label: 'Commit', database: db, query: show('CommitID', build) })
    .variable({ name: 'commit2', label: 'Compare with commit', database: db, query: show('CommitID', build) });
  const filter = tagsEqual(build);

  d.row('Across commits')
    .panel({
      type: 'timeseries',
      title: 'Total size of $file',
      description: 'bss + data + text of the file, one point per commit.',
      database: db,
      width: 8,
      height: 8,
      repeat: 'file',
      queries: [{ query: sumOfFields(m, ['${file}_b', '${file}_d', '${file}_t'], filter), alias: '$file' }],
      fieldConfig: pointsAndLines('bytes'),
    })
    .panel({
      type: 'table',
      title: 'Commits',
      database: db,
      width: 24,
      height: 8,
      queries: [{ query: `SELECT * FROM "${m}" WHERE ${filter} AND $timeFilter`, format: 'table' }],
      transformations: [{ id: 'sortBy', options: { sort: [{ field: 'Time', desc: true }] } }],
    });
  d.row('One commit, and the change between two')
    .panel({
      type: 'bargauge',
      title: 'Section sizes at $commit',
      description: 'bss (_b), data (_d) and text (_t) of each file at the chosen commit.',
      database: db,
      width: 12,
      height: 12,
      queries: [{ query: `SELECT /_[bdt]$/ FROM "${m}" WHERE ${filter} AND "CommitID" = '$commit' AND $timeFilter`, alias: '$col' }],
      options: barsPerField(),
      fieldConfig: bytes(),
    })
    .panel({
      type: 'bargauge',
      title: 'Change per section between $commit and $commit2',
      description: 'Newer minus older of the two chosen commits, per file and section (bytes).',
      database: db,
      width: 12,
      height: 12,
      queries: [
        {
          query: `SELECT difference(/_[bdt]$/) FROM "${m}" WHERE ${filter} AND ("CommitID" = '$commit' OR "CommitID" = '$commit2') AND $timeFilter`,
          alias: '$col',
        },
      ],
      transformations: [dropDifferencePrefix],
      options: barsPerField(),
      fieldConfig: bytes(),
    })
    .panel({
      type: 'stat',
      title: 'Change of the total size of $file between $commit and $commit2',
      description: 'Newer minus older of the two chosen commits: the change of bss + data + text of the file (bytes).',
      database: db,
      width: 8,
      height: 5,
      repeat: 'file',
      queries: [
        {
          query: differenceOfSum(m, ['${file}_b', '${file}_d', '${file}_t'], `${filter} AND ("CommitID" = '$commit' OR "CommitID" = '$commit2')`),
          alias: '$file',
        },
      ],
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        graphMode: 'none',
        textMode: 'value',
        colorMode: 'none',
        justifyMode: 'auto',
      },
      fieldConfig: bytes(),
    });
  return d.build();
}
