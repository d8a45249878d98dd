/** What a command prints as JSON on stdout, and its exit code (0 when absent). */
export interface CommandResult {
  json: unknown;
  exitCode?: number;
}

/** A module of cli/commands/, loaded on demand by main.ts. */
export interface Command {
  run(args: string[]): Promise<CommandResult>;
}
