/** A model load's progress, file by file and overall, as the model panel and the status strip show it. */
import type { LoadProgress } from '../../worker/protocol.ts';
import { formatBytes } from './format.ts';

export interface FileProgress {
  model: string;
  file: string;
  loaded: number;
  total: number;
  done: boolean;
}

/** One file's progress event merged into the list (a finished file counts as fully loaded). */
export function withFileProgress(files: readonly FileProgress[], model: string, p: LoadProgress): FileProgress[] {
  const next = [...files];
  const i = next.findIndex((f) => f.model === model && f.file === p.file);
  const prev = i >= 0 ? next[i] : undefined;
  const done = p.status === 'done';
  const loaded = done ? Math.max(prev?.total ?? 0, p.loaded, prev?.loaded ?? 0) : p.loaded || prev?.loaded || 0;
  const total = p.total || prev?.total || 0;
  const entry = { model, file: p.file, loaded, total: done ? Math.max(total, loaded) : total, done };
  if (i >= 0) next[i] = entry;
  else next.push(entry);
  return next;
}

export interface Overall {
  done: number;
  total: number;
  /** Files whose size is not known yet. */
  waiting: number;
}

/**
 * The load's overall progress. A file whose size is not known yet (its download has not answered)
 * makes the total unknown: the bar then shows no fraction rather than a full bar before the weights.
 */
export function overallProgress(load: { model: string; files: readonly FileProgress[] }): Overall {
  const files = load.files.filter((f) => f.model === load.model);
  return {
    done: files.reduce((s, f) => s + Math.min(f.loaded, f.total), 0),
    total: files.reduce((s, f) => s + f.total, 0),
    waiting: files.filter((f) => !f.done && f.total === 0).length,
  };
}

/** "1.2 MB of 4.5 MB", or what is known so far while some file's size is not. */
export function overallText({ done, total, waiting }: Overall): string {
  if (waiting > 0) return `${formatBytes(done)} so far, ${waiting} file${waiting === 1 ? '' : 's'} starting`;
  return total > 0 ? `${formatBytes(done)} of ${formatBytes(total)}` : formatBytes(done);
}

/** The overall bar's fraction; undefined (an indeterminate bar) while a file's size is unknown. */
export function overallFraction({ done, total, waiting }: Overall): number | undefined {
  return waiting > 0 || total === 0 ? undefined : Math.min(1, done / total);
}

/** One file's line: "1.2 MB / 4.5 MB", what has come while its size is unknown, or "starting". */
export function fileText(f: FileProgress): string {
  if (f.total > 0) return `${formatBytes(f.loaded)} / ${formatBytes(f.total)}`;
  return f.loaded > 0 || f.done ? formatBytes(f.loaded) : 'starting';
}

/** One file's bar: its fraction, full once done, indeterminate while its size is unknown. */
export function fileFraction(f: FileProgress): number | undefined {
  if (f.total > 0) return Math.min(1, f.loaded / f.total);
  return f.done ? 1 : undefined;
}
