/** The `berth` command tree: docker's top-level shortcuts plus the `container`, `image` and `system` management commands. */
import type { Command } from '../framework/command.ts';
import { buildCommand, builderCommand } from './build.ts';
import { containerCommand, containerShortcuts } from './containers.ts';
import { imagesCommand } from './images-list.ts';
import { historyCommand, imageInspectCommand, imagePruneCommand, rmiCommand, tagCommand } from './images-manage.ts';
import { importCommand, loadCommand, saveCommand } from './images-transfer.ts';
import { inspectCommand } from './inspect.ts';
import { networkCommand } from './networks.ts';
import { registryCommand } from './registry.ts';
import { loginCommand, logoutCommand, pullCommand, pushCommand, searchCommand } from './distribution.ts';
import { dfCommand } from './system-df.ts';
import { eventsCommand } from './system-events.ts';
import { infoCommand, versionCommand } from './system-info.ts';
import { volumeCommand } from './volumes.ts';

function imageCommand(): Command {
  return {
    name: 'image',
    usage: 'COMMAND',
    short: 'Manage images',
    subcommands: [
      buildCommand(), historyCommand(), importCommand(), imageInspectCommand(), loadCommand(), imagesCommand('ls'),
      imagePruneCommand(), pullCommand(), pushCommand(), rmiCommand('rm'), saveCommand(), tagCommand(),
    ],
  };
}

function systemCommand(): Command {
  return {
    name: 'system',
    usage: 'COMMAND',
    short: 'Manage Berth',
    subcommands: [dfCommand(), eventsCommand(), infoCommand()],
  };
}

export function rootCommand(): Command {
  const containers = containerShortcuts();
  return {
    name: 'berth',
    usage: '[OPTIONS] COMMAND [ARG...]',
    short: 'A self-sufficient runtime for containers',
    subcommands: [
      // Common commands, in docker's order.
      ...containers.common,
      buildCommand(),
      pullCommand(), pushCommand(),
      imagesCommand('images'),
      loginCommand(), logoutCommand(), searchCommand(),
      versionCommand(),
      { ...infoCommand(), group: 'common' },
      // Management commands.
      builderCommand(),
      containerCommand(),
      imageCommand(),
      networkCommand(),
      registryCommand(),
      systemCommand(),
      volumeCommand(),
      // The other top-level commands (sorted in help).
      eventsCommand(), historyCommand(), importCommand(), inspectCommand(), loadCommand(),
      rmiCommand('rmi'), saveCommand(), tagCommand(), ...containers.other,
    ],
  };
}
