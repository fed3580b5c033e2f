import type { Command } from 'commander';
import type { CliContext } from '../../core/package.ts';

export function registerCommands(_program: Command, _context: CliContext): void {}
