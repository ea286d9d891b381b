const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LEVELS)[number];

/** logrus-style lines on stderr, as dockerd writes them. */
export class Logger {
  private min: number;

  constructor(level: LogLevel) {
    this.min = LEVELS.indexOf(level);
  }

  setLevel(level: LogLevel): void {
    this.min = LEVELS.indexOf(level);
  }

  private log(level: LogLevel, msg: string): void {
    if (LEVELS.indexOf(level) < this.min) return;
    process.stderr.write(`time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`);
  }

  debugEnabled(): boolean { return this.min <= LEVELS.indexOf('debug'); }
  debug(msg: string): void { this.log('debug', msg); }
  info(msg: string): void { this.log('info', msg); }
  warn(msg: string): void { this.log('warn', msg); }
  error(msg: string): void { this.log('error', msg); }
}
