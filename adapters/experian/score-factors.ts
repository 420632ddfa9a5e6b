/**
 * Score-factor ("reason") codes → the consumer-facing key-factor text the FCRA notice shows.
 *
 * *Unconfirmed*: the codes below follow the common two-digit reason-code style of the
 * score models Experian returns; the authoritative list comes with the Experian contract.
 * It lives in this one file so it is easy to correct. An unknown code is never dropped: it
 * is shown as "Score factor <code>" so the notice still lists every key factor received.
 */
const factorTexts: Record<string, string> = {
  "01": "Amount owed on accounts is too high",
  "02": "Level of delinquency on accounts",
  "03": "Too few bank revolving accounts",
  "04": "Too many bank or national revolving accounts",
  "05": "Too many accounts with balances",
  "06": "Too many consumer finance company accounts",
  "07": "Account payment history is too new to rate",
  "08": "Too many inquiries last 12 months",
  "09": "Too many accounts recently opened",
  "10": "Proportion of balances to credit limits on revolving accounts is too high",
  "11": "Amount owed on revolving accounts is too high",
  "12": "Length of time revolving accounts have been established",
  "13": "Time since delinquency is too recent or unknown",
  "14": "Length of time accounts have been established",
  "15": "Lack of recent bank revolving information",
  "16": "Lack of recent revolving account information",
  "17": "No recent non-mortgage balance information",
  "18": "Number of accounts with delinquency",
  "19": "Too few accounts currently paid as agreed",
  "20": "Time since derogatory public record or collection is too short",
  "21": "Amount past due on accounts",
  "22": "Serious delinquency, derogatory public record or collection filed",
  "24": "No recent revolving balances",
  "28": "Number of established accounts",
  "30": "Time since most recent account opening is too short",
  "38": "Serious delinquency, and public record or collection filed",
  "39": "Serious delinquency",
  "40": "Derogatory public record or collection filed",
};

/** Codes whose factor is the number of inquiries (must be disclosed even beyond the top four). */
const inquiryCodes = new Set(["08"]);

export function describeScoreFactor(code: string): { description: string; inquiries: boolean } {
  return {
    description: factorTexts[code] ?? `Score factor ${code}`,
    inquiries: inquiryCodes.has(code),
  };
}

/** Score range of each risk model we request (modelIndicator → range). */
export const scoreModels: Record<string, { name: string; min: number; max: number }> = {
  V4: { name: "VantageScore 4.0", min: 300, max: 850 },
  V3: { name: "VantageScore 3.0", min: 300, max: 850 },
  AF: { name: "FICO Score 8", min: 300, max: 850 },
};

export const defaultScoreRange = { min: 300, max: 850 };
