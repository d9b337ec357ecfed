import type {CastSummary} from '../../lib/cast-summary';

/** What a RunLab block says about its lab (src/plugins/lab-files writes one per lab). */
export type LabInfo = {
  /** Debian packages, from its lab.manifest */
  packages: string[];
  /** "Verified on …" lines, from labs/verified-on.json */
  verified: string[];
  /** whether it runs in the reader's browser (its lab.manifest says `verify: … browser`) */
  browser: boolean;
  /** its replay's length and height, when it has a run.cast */
  cast: CastSummary | null;
};
