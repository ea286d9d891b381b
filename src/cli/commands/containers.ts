/** The `container` management command: every container command under one name, as in docker. */
import type { Command } from '../framework/command.ts';
import { cpCommand } from './containers-cp.ts';
import { createCommand } from './containers-create.ts';
import { attachCommand, execCommand } from './containers-exec.ts';
import { diffCommand, logsCommand, portCommand, topCommand } from './containers-info.ts';
import {
  killCommand, pauseCommand, renameCommand, restartCommand, rmCommand, startCommand, stopCommand, unpauseCommand, waitCommand,
} from './containers-lifecycle.ts';
import { psCommand } from './containers-list.ts';
import { commitCommand, containerInspectCommand, containerPruneCommand, exportCommand, updateCommand } from './containers-manage.ts';
import { statsCommand } from './containers-stats.ts';
import { runCommand } from './run.ts';

export function containerCommand(): Command {
  return {
    name: 'container',
    usage: 'COMMAND',
    short: 'Manage containers',
    subcommands: [
      attachCommand(), commitCommand(), cpCommand(), createCommand(), diffCommand(), execCommand(), exportCommand(),
      containerInspectCommand(), killCommand(), logsCommand(), psCommand('ls'), pauseCommand(), portCommand(),
      containerPruneCommand(), renameCommand(), restartCommand(), rmCommand(true), runCommand(), startCommand(), statsCommand(),
      stopCommand(), topCommand(), unpauseCommand(), updateCommand(), waitCommand(),
    ],
  };
}

/** The top-level shortcuts docker keeps for the container commands (run, exec and ps are "Common Commands"). */
export function containerShortcuts(): { common: Command[]; other: Command[] } {
  return {
    common: [runCommand(), execCommand(), psCommand('ps')],
    other: [
      attachCommand(), commitCommand(), cpCommand(), createCommand(), diffCommand(), exportCommand(), killCommand(), logsCommand(),
      pauseCommand(), portCommand(), renameCommand(), restartCommand(), rmCommand(), startCommand(), statsCommand(), stopCommand(),
      topCommand(), unpauseCommand(), updateCommand(), waitCommand(),
    ],
  };
}
