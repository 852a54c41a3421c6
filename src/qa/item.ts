/** A question of a QA set (DESIGN.md "Question sets"). */
export interface QaItem {
  id: string;
  /** The text given to the model (inside the condition's user template). */
  question: string;
  category: string | null;
  impossible: boolean;
  /** Free fields of the set's line, kept as they were. */
  extra: Record<string, unknown>;
  /** Set for a multiple-choice item (GPQA-BS): graded by the extracted letter, not by a judge. */
  choice: ChoiceKey | null;
}

export type Letter = 'A' | 'B' | 'C' | 'D';
export const LETTERS = ['A', 'B', 'C', 'D'] as const;

/** What grades a GPQA-BS item, and all that may leave the run directory about it (never its text). */
export interface ChoiceKey {
  /** 0-based row of the CSV. */
  row: number;
  phrase: string;
  /** The letter under which the phrase is shown. */
  phraseLetter: Letter;
  /** `3102`: A shows option 3, B option 1, ... (options = [phrase, incorrect 1, 2, 3]). */
  permutation: string;
}

/** The sets a run can name, and how it was given. */
export interface QaSet {
  /** `bsbench`, `gpqa-bs`, or the path of a JSONL file. */
  name: string;
  items: QaItem[];
  /** The condition used when none is given. */
  defaultCondition: string;
}
