// Resume screening: see README.md.

export interface Skill {
  name: string;
  /** The year the candidate started using it. */
  since: number;
}

export interface Resume {
  name: string;
  /** The file it was read from. */
  file: string;
  skills: Skill[];
}

export interface Criteria {
  skill: string;
  /** Strictly more than this many years of `skill`. */
  moreThanYears: number;
  /** The year experience is counted up to. */
  asOf: number;
}

/** Reads every *.json resume in the folder; a malformed one throws an error naming its file. */
export function loadResumes(folder: string): Resume[] {
  throw new Error('not implemented');
}

/** Years of experience with `skill` up to `asOf` (0 when the resume does not list it). */
export function yearsOf(resume: Resume, skill: string, asOf: number): number {
  throw new Error('not implemented');
}

/** False when the resume claims a technology from before its first release. */
export function plausible(resume: Resume, releases: Record<string, number>): boolean {
  throw new Error('not implemented');
}

/**
 * Names of the plausible candidates who meet the criteria, most experienced first (ties by
 * name). Release years come from data/releases.json.
 */
export function shortlist(folder: string, criteria: Criteria): string[] {
  throw new Error('not implemented');
}
