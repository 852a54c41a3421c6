import pc from 'picocolors';
import { visible } from './terminal.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * The one logger: everything for humans goes to stderr, so stdout stays clean for --json. A message
 * may quote a model or the agent's files (ids, paths, errors): its control characters are made
 * visible, so colour belongs in the tag only.
 */
class Logger {
  level: LogLevel = (process.env.IBENCH_LOG_LEVEL as LogLevel | undefined) ?? 'info';

  private write(level: Exclude<LogLevel, 'silent'>, message: string): void {
    if (order[level] < order[this.level]) return;
    const tag =
      level === 'error' ? pc.red('error') : level === 'warn' ? pc.yellow('warn') : level === 'debug' ? pc.dim('debug') : pc.cyan('ibench');
    process.stderr.write(`${tag} ${visible(message)}\n`);
  }
  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }
}

export const logger = new Logger();
