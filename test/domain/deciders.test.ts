// Decider specifications for every command type: given events, when a command, then events
// or an error. The specifications live per feature in specs/ (one record per decider table);
// this file runs them, and checks that every command type of the decider table has some and
// that each one decides its own command: a new command needs its specification to pass.
import test from 'ava';
import type { Command } from '../../src/domain/commands.ts';
import { DECIDERS } from '../../src/domain/decide.ts';
import { commandsDecided, forgetCommands, type Spec } from './given-when-then.ts';
import { clockSpecs } from './specs/clock-specs.ts';
import { historySpecs } from './specs/history-specs.ts';
import { imageSpecs } from './specs/image-specs.ts';
import { lifecycleSpecs } from './specs/lifecycle-specs.ts';
import { pullThroughSpecs } from './specs/pull-through-specs.ts';
import { replicationSpecs } from './specs/replication-specs.ts';
import { repositorySpecs } from './specs/repository-specs.ts';
import { scanningSpecs } from './specs/scanning-specs.ts';
import { settingsSpecs } from './specs/settings-specs.ts';
import { signingSpecs } from './specs/signing-specs.ts';
import { uploadSpecs } from './specs/upload-specs.ts';

const SPECS: { readonly [K in Command['type']]: Readonly<Record<string, Spec>> } = {
  ...repositorySpecs,
  ...uploadSpecs,
  ...imageSpecs,
  ...historySpecs,
  ...settingsSpecs,
  ...signingSpecs,
  ...lifecycleSpecs,
  ...clockSpecs,
  ...scanningSpecs,
  ...replicationSpecs,
  ...pullThroughSpecs,
};

// A spec is synchronous: the commands `when` decides while it runs are its own.
for (const [type, specs] of Object.entries(SPECS))
  for (const [title, spec] of Object.entries(specs))
    test(`${type}: ${title}`, (t) => {
      forgetCommands();
      spec(t);
      if (!commandsDecided().includes(type as Command['type'])) {
        t.fail(`the specification never decides a ${type} command`);
      }
    });

test('every command type of the decider table has a specification', (t) => {
  const types = Object.keys(DECIDERS).sort();
  const specified = Object.entries(SPECS)
    .filter(([, specs]) => Object.keys(specs).length > 0)
    .map(([type]) => type)
    .sort();
  t.deepEqual(
    types.filter((type) => !specified.includes(type)),
    [],
    'add specifications for these command types to test/domain/specs/',
  );
  t.deepEqual(
    specified.filter((type) => !types.includes(type)),
    [],
    'specifications of command types the decider table does not have',
  );
  t.true(types.length >= 40);
});
